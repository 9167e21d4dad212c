import LocalMesos
import Logging
import MasterDetection
import MesosHTTP
import ZooKeeper

/// The embedded masters registered in ZooKeeper (`local-cluster --zk`): `count` masters on
/// ports of their own over the one agent. Each is a member of the group at the URL's path,
/// with a `json.info_` node holding its `MasterInfo` as a Mesos master writes it
/// (`MasterContender`); which one leads is read back through a `MasterDetector`, as Mesos
/// masters learn it (`Master::detected`): the detected one is elected (the agent re-registers
/// with it), the others are standbys that answer schedulers with a 307 to it.
///
/// A leading master aborts as mesos-master does when it loses its ZooKeeper candidacy (the
/// session expired, or reached no server for its timeout), when another master is detected
/// as the leader, or when SIGUSR1 crashes it on purpose: it stops serving (its schedulers'
/// connections close) and its node goes. In its place a new master instance (a new id, the
/// same port) joins as a standby, as a supervisor restarts mesos-master. The agent and its
/// executors live on in this process and re-register with the next leader. A standby that
/// loses its candidacy contends again.
actor MasterEnsemble {
    struct Configuration: Sendable {
        var url: ZooKeeperURL
        var count: Int
        /// The first master's port (0: any free one); the others take free ports. Each seat
        /// keeps its port across restarts.
        var firstPort: Int
        /// Host, heartbeats, framework authentication, TLS of every master.
        var master: LocalMaster.Configuration
        /// The masters' `--zk_session_timeout`.
        var sessionTimeout: Duration
    }

    private struct Seat {
        var port: Int
        var master: LocalMaster
        var contender: MasterContender?
        var watcher: Task<Void, Never>?
        var aborting = false
    }

    let configuration: Configuration
    let agent: LocalAgent
    let logger: Logger
    private let detector: MasterDetector
    private var seats: [Seat] = []
    private var detection: Task<Void, Never>?
    private var latest: MasterDetectorEvent?
    private var stopping = false

    init(configuration: Configuration, agent: LocalAgent, logger: Logger) {
        self.configuration = configuration
        self.agent = agent
        self.logger = logger
        detector = MasterDetector(configuration: .init(url: configuration.url, scheme: configuration.master.tls == nil ? "http" : "https",
                                                       sessionTimeout: configuration.sessionTimeout, logger: logger))
    }

    /// Where the masters serve, in seat order.
    var endpoints: [MesosEndpoint] {
        seats.map { MesosEndpoint(scheme: configuration.master.tls == nil ? "http" : "https", host: configuration.master.host, port: $0.port) }
    }

    /// Starts the masters (standbys until the group elects one) and, in seat order, their
    /// candidacies: the first master leads a group that has no other member.
    func start() async throws {
        for index in 0..<configuration.count {
            let master = try await startMaster(port: index == 0 ? configuration.firstPort : 0)
            seats.append(Seat(port: await master.boundPort ?? 0, master: master))
        }
        await detector.start()
        detection = Task {
            for await event in await detector.events() { await self.apply(event) }
        }
        Task {
            for index in 0..<configuration.count { await self.contend(index) }
        }
    }

    /// SIGUSR1: the leading master crashes.
    func crashLeader() async {
        for index in seats.indices {
            guard await seats[index].master.isLeading else { continue }
            await abort(index, reason: "SIGUSR1: crashed on purpose")
            return
        }
        logger.warning("SIGUSR1: no embedded master leads; nothing to crash")
    }

    /// Stops every master (the leader first: its schedulers' streams end) and withdraws
    /// their candidacies.
    func stop() async {
        stopping = true
        detection?.cancel()
        let leaderID = latest?.leader?.info.id
        let leaderFirst = seats.indices.filter { seats[$0].master.masterID == leaderID }
        for index in leaderFirst + seats.indices.filter({ !leaderFirst.contains($0) }) {
            seats[index].watcher?.cancel()
            await seats[index].master.stop()
            await seats[index].contender?.withdraw()
        }
        await detector.stop()
    }

    // MARK: The election's outcome

    private func apply(_ event: MasterDetectorEvent) async {
        latest = event
        let leaderID = event.leader?.info.id
        let address = event.leader.flatMap { LocalMaster.LeaderAddress($0.info) }
        for index in seats.indices where !seats[index].aborting {
            let master = seats[index].master
            let leadership = await master.leadership
            if master.masterID == leaderID {
                await master.elect()
            } else if leadership == .leading || leadership == .recovering {
                // `Master::detected`: a master that led and is no longer the detected leader aborts.
                await abort(index, reason: leaderID == nil ? "no leading master is detected any more" : "another master is detected as the leader")
            } else {
                await master.follow(address)
            }
        }
    }

    /// Joins the seat's master to the group (retrying while ZooKeeper cannot be reached),
    /// then watches its candidacy.
    private func contend(_ index: Int) async {
        let master = seats[index].master
        let info = await master.masterInfo
        var failures = 0
        while !stopping, seats[index].master === master {
            let contender = MasterContender(info: info, configuration: .init(url: configuration.url, sessionTimeout: configuration.sessionTimeout,
                                                                              logger: logger))
            seats[index].contender = contender
            do {
                _ = try await contender.contend()
                guard !stopping, seats[index].master === master else {
                    await contender.withdraw()
                    return
                }
                seats[index].watcher = Task {
                    let why = await contender.candidacyLost()
                    await self.candidacyLost(index, of: master, why: why)
                }
                return
            } catch {
                failures += 1
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.warning("an embedded master cannot join its ZooKeeper group; retrying", metadata: [
                        "mesos.master_id": "\(master.masterID)", "zk.url": "\(configuration.url)", "error": "\(error)",
                    ])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func candidacyLost(_ index: Int, of master: LocalMaster, why: String) async {
        guard !stopping, seats[index].master === master, !seats[index].aborting else { return }
        let leadership = await master.leadership
        if leadership == .leading || leadership == .recovering {
            await abort(index, reason: "lost its ZooKeeper candidacy: \(why)")
        } else {
            logger.notice("a standby master lost its ZooKeeper candidacy; contending again",
                          metadata: ["mesos.master_id": "\(master.masterID)", "reason": "\(why)"])
            await seats[index].contender?.withdraw()
            await contend(index)
        }
    }

    /// The seat's master aborts (it stops serving, its node goes) and a new instance takes
    /// its seat as a standby.
    private func abort(_ index: Int, reason: String) async {
        guard !seats[index].aborting else { return }
        seats[index].aborting = true
        let seat = seats[index]
        let address = await seat.master.url
        logger.error("leading master aborting", metadata: [
            "mesos.master_id": "\(seat.master.masterID)", "address": "\(address)", "reason": "\(reason)",
        ])
        seat.watcher?.cancel()
        await seat.master.stop()
        await seat.contender?.withdraw()
        guard !stopping else { return }
        do {
            let master = try await startMaster(port: seat.port)
            seats[index] = Seat(port: seat.port, master: master)
            if let leader = latest?.leader, leader.info.id != seat.master.masterID {
                await master.follow(LocalMaster.LeaderAddress(leader.info))
            }
            // Not awaited: the detection waits for nothing while ZooKeeper is unreachable.
            Task { await self.contend(index) }
        } catch {
            logger.error("the embedded master could not be started again", metadata: ["port": "\(seat.port)", "error": "\(error)"])
        }
    }

    private func startMaster(port: Int) async throws -> LocalMaster {
        var settings = configuration.master
        settings.port = port
        settings.standby = true
        let master = LocalMaster(agent: agent, configuration: settings, logger: logger)
        try await master.start()
        return master
    }
}
