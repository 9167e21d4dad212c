import MesosProtocol
import PodRuntime

extension Executor {
    /// Starts containers again in the pod as it is (its network namespace and volumes are
    /// kept; `prepareNetwork` returns the addresses it already has), then reports the
    /// outcome to the state machine. Secrets are not fetched again: restart policies are
    /// refused for pods that use them (the token is single-use).
    func restart(_ tasks: [Mesos_V1_TaskInfo]) {
        guard !tasks.isEmpty else { return }
        let frameworkUser = machine.subscribedInfo?.frameworkInfo.user
        let agentHost = machine.subscribedInfo?.agentInfo.hostname
        let sink = eventSink
        let pod = self.pod
        let logger = self.logger
        Task {
            var results: [String: ExecutorStateMachine.LaunchOutcome] = [:]
            let addresses: [(network: String?, ip: String)]
            do {
                addresses = try await pod.prepareNetwork()
            } catch {
                for t in tasks { results[t.taskID.value] = .failed(message: "\(error)", reason: .containerLaunchFailed) }
                sink.yield(.containersStarted(results))
                return
            }
            let ip = addresses.first?.ip ?? Executor.agentIP(agentHost)
            let translation = TaskTranslation(containerIP: ip, frameworkUser: frameworkUser)
            var specs: [ContainerSpec] = []
            for info in tasks {
                do {
                    specs.append(try translation.spec(for: info))
                } catch {
                    results[info.taskID.value] = .failed(message: "\(error)", reason: .taskInvalid)
                }
            }
            let launched = await pod.launch(specs)
            let networkInfos = Executor.networkInfos(addresses)
            for (taskID, result) in launched {
                switch result {
                case .success: results[taskID] = .started(networkInfos: networkInfos)
                case .failure(let error): results[taskID] = .failed(message: error.description, reason: .containerLaunchFailed)
                }
            }
            logger.info("containers restarted in place", metadata: ["pod.containers": "\(tasks.map(\.name))"])
            sink.yield(.containersStarted(results))
        }
    }
}
