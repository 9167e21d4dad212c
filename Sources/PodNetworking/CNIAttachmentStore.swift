import Foundation
import PodSystem

/// The on-disk cache of attachments:
///
///     <stateDirectory>/containers/<containerID>/<interfaceName>.json   one CNIAttachment each
///
/// Records are written atomically (temporary file, fsync, rename), so a crash leaves either
/// the old or the new record, never a torn one.
struct CNIAttachmentStore: Sendable {
    let stateDirectory: String

    var containersDirectory: String { stateDirectory + "/containers" }

    func directory(of containerID: String) -> String { containersDirectory + "/" + containerID }

    func file(of containerID: String, interfaceName: String) -> String {
        directory(of: containerID) + "/" + interfaceName + ".json"
    }

    func save(_ attachment: CNIAttachment) throws(PodNetworkingError) {
        let path = file(of: attachment.containerID, interfaceName: attachment.interfaceName)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let bytes = Array(try encoder.encode(attachment))
            try Directory.create(directory(of: attachment.containerID), mode: 0o700)
            try FileContents.writeAtomically(path, bytes, mode: 0o600)
        } catch {
            throw PodNetworkingError(.state, "cannot record the CNI attachment in \(path): \(error)", cause: error)
        }
    }

    func load(containerID: String, interfaceName: String) throws(PodNetworkingError) -> CNIAttachment? {
        let path = file(of: containerID, interfaceName: interfaceName)
        guard Directory.exists(path) else { return nil }
        do {
            let bytes = try FileContents.bytes(path, limit: 16 << 20)
            return try JSONDecoder().decode(CNIAttachment.self, from: Data(bytes))
        } catch {
            throw PodNetworkingError(.state, "cannot read the CNI attachment record \(path): \(error)", cause: error)
        }
    }

    /// Every record of a container, sorted by interface name (`eth0`, `eth1`, … `eth10`).
    func all(containerID: String) throws(PodNetworkingError) -> [CNIAttachment] {
        let names = Directory.list(directory(of: containerID))
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
        var records: [CNIAttachment] = []
        for name in names {
            if let record = try load(containerID: containerID, interfaceName: name) { records.append(record) }
        }
        return records.sorted { Self.interfaceOrder($0.interfaceName, $1.interfaceName) }
    }

    func remove(containerID: String, interfaceName: String) {
        unlink(file(of: containerID, interfaceName: interfaceName))
    }

    /// Removes the container's directory once it holds no record (leftover temporaries included).
    func removeContainerIfEmpty(_ containerID: String) {
        let directory = directory(of: containerID)
        let entries = Directory.list(directory)
        guard !entries.contains(where: { $0.hasSuffix(".json") && !$0.hasPrefix(".") }) else { return }
        Directory.removeTree(directory)
    }

    /// Container ids that have records (for a sweep after an agent or executor restart).
    func containerIDs() -> [String] {
        Directory.list(containersDirectory).filter { Directory.isDirectory(containersDirectory + "/" + $0) }
    }

    /// Natural order: a common prefix, then the number (`eth2` < `eth10`).
    static func interfaceOrder(_ a: String, _ b: String) -> Bool {
        func split(_ name: String) -> (String, Int?) {
            let digits = name.reversed().prefix { $0.isNumber }
            let prefix = String(name.dropLast(digits.count))
            return (prefix, Int(String(digits.reversed())))
        }
        let (pa, na) = split(a)
        let (pb, nb) = split(b)
        if pa != pb || na == nil || nb == nil { return a < b }
        return (na ?? 0) < (nb ?? 0)
    }
}
