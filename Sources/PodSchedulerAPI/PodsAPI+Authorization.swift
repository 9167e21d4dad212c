import PodSchedulerCore
import PodSpec

/// Marathon's authorization checks (`AuthResource`): a principal acts on a pod only where
/// its rules allow (403 `Not Authorized to perform this action!` otherwise), and lists show
/// only the pods it may view.
extension PodsAPI {
    /// The principal of the request; nil (outside a request) may do nothing.
    var principal: Principal? { Principal.current }

    /// Whether the request's principal may do `action` to the pod `id`.
    func may(_ action: PodAction, _ id: PodId) -> Bool {
        principal?.may(action, id) ?? false
    }

    /// Throws Marathon's 403 unless the request's principal may do `action` to `id`.
    func authorize(_ action: PodAction, _ id: PodId) throws(APIError) {
        guard may(action, id) else {
            logger.info("request not authorized", metadata: [
                "auth.principal": "\(principal?.name ?? "-")", "auth.action": "\(action.rawValue)", "pod.id": "\(id.absolute)",
            ])
            throw APIError.notAuthorized
        }
    }

    /// Whether the principal may see an event: one about no pod, or about a pod it may view.
    func mayView(_ event: SchedulerEvent, as principal: Principal?) -> Bool {
        event.podIDs.isEmpty || event.podIDs.contains { principal?.may(.view, $0) ?? false }
    }
}
