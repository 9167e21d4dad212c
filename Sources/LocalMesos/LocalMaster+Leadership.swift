import MesosProtocol

/// Master failover (`local-cluster --zk`): several masters over the one agent, of which the
/// one ZooKeeper elects leads. What the election itself is (the masters' group nodes, the
/// detection of the leader) lives with the cluster that runs them; here is what a Mesos
/// master does with its outcome (`Master::detected`, `Master::Http::redirect`,
/// `Master::_reregisterSlave`).
extension LocalMaster {
    /// Where a standby sends schedulers: the leader's host name and port, as its MasterInfo
    /// gives them.
    public struct LeaderAddress: Sendable, Equatable, CustomStringConvertible {
        public var hostname: String
        public var port: Int

        public init(hostname: String, port: Int) {
            self.hostname = hostname
            self.port = port
        }

        /// The host name of a MasterInfo (its address's, or its IP when it has none) and its port.
        public init?(_ info: Mesos_V1_MasterInfo) {
            let host = [info.hostname, info.address.hostname, info.address.ip].first { !$0.isEmpty }
            let port = info.hasPort ? Int(info.port) : Int(info.address.port)
            guard let host, port > 0 else { return nil }
            self.init(hostname: host, port: port)
        }

        public var description: String { "\(hostname):\(port)" }
    }

    /// A master's place in the election.
    public enum Leadership: Sendable, Equatable {
        /// It leads: it serves schedulers and the agent reports to it.
        case leading
        /// Elected, and learning what the agent runs before it serves (a Mesos master
        /// answers `503 Master has not finished recovery` then).
        case recovering
        /// Another master leads (`leader`), or none is known (nil).
        case standby(leader: LeaderAddress?)
    }

    public var isLeading: Bool { leadership == .leading }

    /// Elected: the agent re-registers with this master and tells it the frameworks,
    /// executors and tasks it has (a Mesos master learns them from `ReregisterSlaveMessage`
    /// after a failover); those frameworks are known, disconnected, until their schedulers
    /// subscribe again with their ids. Then it serves. Does nothing unless a standby.
    public func elect() async {
        guard case .standby = leadership else { return }
        leadership = .recovering
        let known = await agent.reregister(with: self)
        for framework in known.frameworks where frameworks[framework.id.value] == nil {
            frameworks[framework.id.value] = Framework(info: framework, stream: nil)
        }
        guard leadership == .recovering else { return }  // Stopped meanwhile.
        leadership = .leading
        let agentID = await agent.agentID
        logger.info("elected the leading master", metadata: [
            "mesos.master_id": "\(masterID)", "address": "\(url)", "mesos.agent_id": "\(agentID)",
            "agent.frameworks": "\(known.frameworks.count)", "agent.executors": "\(known.executors)", "agent.tasks": "\(known.tasks)",
        ])
        requestAllocation()
    }

    /// Another master leads (or none): schedulers are answered with a 307 to it (a 503
    /// without one). A master that led stops first: Mesos masters abort when they lose the
    /// lead, and what is done with it is the cluster's to decide.
    public func follow(_ leader: LeaderAddress?) {
        guard leadership != .leading, leadership != .recovering else { return }
        leadership = .standby(leader: leader)
    }

    /// The answer of a master that does not lead (`Master::Http::redirect`,
    /// `mesos:src/master/http.cpp`): 307 with a protocol-relative `Location` to the same
    /// path on the leader, or 503 `No leader elected`; 503 `Master has not finished
    /// recovery` while elected but recovering. Nil when it leads.
    func leadershipAnswer(path: String) -> MesosHTTPAnswer? {
        switch leadership {
        case .leading:
            return nil
        case .recovering:
            return .text(503, "Master has not finished recovery")
        case .standby(nil):
            return .text(503, "No leader elected")
        case .standby(let leader?):
            let host = leader.hostname.contains(":") ? "[\(leader.hostname)]" : leader.hostname
            return MesosHTTPAnswer(status: 307, headers: [("Location", "//\(host):\(leader.port)\(path)")], body: [], stream: nil)
        }
    }
}
