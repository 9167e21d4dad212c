import Foundation
import PodSpec

/// Secrets by reference: a launch carries a token instead of values, the executor redeems
/// it once for exactly its instance's secrets, and an instance whose secret is not in the
/// store waits (with a reason in `::status` and `/v2/queue`) until it is.
extension Scheduler {
    public func redeemSecrets(token: String, instanceID: String, names: [String]) async throws(SecretAccessError)
        -> [String: [UInt8]] {
        let verified = try secretTokens.verify(token, now: Date())
        let requested = Set(names)
        try checkRedemption(verified, instanceID: instanceID, requested: requested)
        guard let record = instances[instanceID], let pod = spec(of: record) else {
            throw .forbidden("instance \(instanceID) is not launching")
        }
        guard let store = secretStore else { throw .unavailable("no secret store is configured") }
        var values: [String: [UInt8]] = [:]
        for name in requested.sorted() {
            guard let source = pod.secrets[name]?.source else { throw .forbidden("the pod of \(instanceID) has no secret '\(name)'") }
            do {
                values[name] = try await store.read(source)
            } catch {
                let text = "secret '\(name)' (source '\(source)'): \(error.message)"
                throw error.code == .notFound ? .notFound(text) : .unavailable(text)
            }
        }
        // Checked again: another redemption of the token may have finished while the store was read.
        try checkRedemption(verified, instanceID: instanceID, requested: requested)
        redeemedTokens[verified.id] = verified.expiresAt
        var batch = SchedulerStore.Batch()
        batch.redeemedTokens = [(verified.id, verified.expiresAt)]
        // Durable before the values leave: a redemption the store lost could be repeated.
        do {
            try await durable(try submit(batch))
        } catch {
            redeemedTokens.removeValue(forKey: verified.id)
            throw .unavailable("the redemption cannot be recorded: \(error)")
        }
        logger.info("secrets handed to an executor", metadata: ["pod.instance": "\(instanceID)", "secrets.count": "\(values.count)"])
        return values
    }

    /// A verified token opens the secrets only of the instance and launch it was minted
    /// for, only the names it lists, and only once.
    private func checkRedemption(_ verified: SecretTokenAuthority.Verified, instanceID: String, requested: Set<String>)
        throws(SecretAccessError) {
        let claims = verified.claims
        guard claims.instanceID == instanceID else { throw .forbidden("the token was not issued to instance \(instanceID)") }
        guard redeemedTokens[verified.id] == nil else { throw .forbidden("the token has been used already") }
        guard !requested.isEmpty else { throw .forbidden("no secret asked for") }
        let uncovered = requested.subtracting(claims.names).sorted()
        guard uncovered.isEmpty else {
            throw .forbidden("the token does not cover \(uncovered.map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard let record = instances[instanceID], record.goal == .running, record.incarnation == claims.incarnation,
              record.hasLiveTasks else {
            throw .forbidden("instance \(instanceID) is not launching this incarnation any more")
        }
    }

    /// The spec an instance was launched from.
    func spec(of record: InstanceRecord) -> PodDefinition? {
        if let pod = pods[record.podID], pod.version == record.specVersion { return pod }
        return olderSpecs[SchedulerStore.versionKey(record.podID, record.specVersion)]
    }

    /// The secret access of a launch of `pod`: the URL of this API for executors and a new
    /// token for the instance's incarnation; nil for a pod that uses no secret.
    func secretAccess(for record: InstanceRecord, pod: PodDefinition) -> TaskGroupBuilder.SecretAccess? {
        let names = pod.referencedSecretNames
        guard !names.isEmpty, let url = configuration.secretsURL else { return nil }
        let token = secretTokens.mint(instanceID: record.instanceID, incarnation: record.incarnation, names: names,
                                      expiresAt: Date().addingTimeInterval(configuration.secretTokenLifetime))
        return TaskGroupBuilder.SecretAccess(url: url, caFile: configuration.secretsCAFile, token: token)
    }

    /// Looks, for each of `podIDs`, whether every secret its launches need is in the store;
    /// records what is missing in `secretWaits` (value-free) and returns the pods that must
    /// wait.
    func refreshSecretWaits(_ podIDs: Set<PodId>) async -> Set<PodId> {
        secretWaitsCheckedAt = Date()
        var blocked = Set<PodId>()
        for id in podIDs.sorted() {
            guard let pod = pods[id] else { continue }
            let names = pod.referencedSecretNames
            guard !names.isEmpty else {
                secretWaits.removeValue(forKey: id)
                continue
            }
            var reasons: [(name: String, reason: String)] = []
            if configuration.secretsURL == nil {
                reasons = names.map { ($0, "executors have no URL to fetch secrets from (the scheduler runs without its REST API)") }
            } else if let store = secretStore {
                for name in names {
                    guard let source = pod.secrets[name]?.source else { continue }
                    do {
                        if !(try await store.contains(source)) {
                            reasons.append((name, "source '\(source)' is not in the secret store"))
                        }
                    } catch {
                        reasons.append((name, "source '\(source)': \(error.message)"))
                    }
                }
            } else {
                reasons = names.map { ($0, "no secret store is configured") }
            }
            guard let current = pods[id], current.version == pod.version else { continue }
            if reasons.isEmpty {
                if secretWaits.removeValue(forKey: id) != nil {
                    logger.info("secrets of the pod are in the store now", metadata: ["pod.id": "\(id.absolute)"])
                }
            } else {
                let wait = Self.secretWait(reasons)
                if secretWaits[id] != wait {
                    logger.warning("instances wait for secrets", metadata: ["pod.id": "\(id.absolute)", "reason": "\(wait.message)"])
                }
                secretWaits[id] = wait
                blocked.insert(id)
            }
        }
        for id in secretWaits.keys where !podIDs.contains(id) { secretWaits.removeValue(forKey: id) }
        return blocked
    }

    static func secretWait(_ reasons: [(name: String, reason: String)]) -> SecretWait {
        let noun = reasons.count == 1 ? "secret" : "secrets"
        let message = "waiting for \(noun) " + reasons.map { "'\($0.name)' (\($0.reason))" }.joined(separator: ", ")
        return SecretWait(secrets: reasons.map(\.name), message: message)
    }

    /// Periodic secret work: the waits of pods that get no offers are kept current (every
    /// 2 s), and redeemed tokens that expired are forgotten (every minute).
    func secretHousekeeping() async {
        let now = Date()
        if now.timeIntervalSince(secretWaitsCheckedAt) >= 2 {
            let waiting = Set(waitingInstances.map(\.podID))
            if !waiting.isEmpty || !secretWaits.isEmpty { _ = await refreshSecretWaits(waiting) }
        }
        guard now.timeIntervalSince(redeemedTokensPrunedAt) >= 60 else { return }
        redeemedTokensPrunedAt = now
        let expired = redeemedTokens.filter { $0.value < now }.map(\.key)
        guard !expired.isEmpty else { return }
        for id in expired { redeemedTokens.removeValue(forKey: id) }
        var batch = SchedulerStore.Batch()
        batch.deletedRedeemedTokens = expired
        try? persist(batch)
    }
}
