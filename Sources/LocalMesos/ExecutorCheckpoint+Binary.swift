import Foundation

/// The checkpoint's binary form: the agent saves one at every status update and
/// acknowledgement, and JSON with base64 protobufs was a sixth of the agent's CPU in the
/// scheduler benchmark. Length-prefixed fields, in declaration order, after the byte 0x01
/// (a JSON checkpoint of an earlier version starts with `{`).
extension ExecutorCheckpoint {
    static let binaryVersion: UInt8 = 1

    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    func binaryEncoded() -> [UInt8] {
        var out = BinaryWriter()
        out.bytes.append(Self.binaryVersion)
        out.data(framework)
        out.data(executor)
        out.string(containerID)
        out.string(directory)
        out.varint(UInt64(UInt32(bitPattern: pid)))
        out.string(cgroupVersion ?? "")
        let dirs = (cgroupDirectories ?? [:]).sorted { $0.key < $1.key }
        out.varint(UInt64(dirs.count))
        for (controller, dir) in dirs {
            out.string(controller)
            out.string(dir)
        }
        out.varint(everSubscribed ? 1 : 0)
        out.varint(UInt64(tasks.count))
        for task in tasks {
            out.data(task.info)
            out.varint(UInt64(task.groupTaskIDs.count))
            for id in task.groupTaskIDs { out.string(id) }
            out.varint(task.delivered ? 1 : 0)
            out.varint(UInt64(UInt32(truncatingIfNeeded: task.state)))
            out.varint(UInt64(task.pending.count))
            for update in task.pending { out.data(update) }
            out.varint(UInt64(task.seen.count))
            for uuid in task.seen { out.data(uuid) }
            out.varint(task.completed ? 1 : 0)
        }
        return out.bytes
    }

    /// Reads either form: binary, or the JSON that earlier versions wrote.
    static func decode(_ bytes: [UInt8]) throws -> ExecutorCheckpoint {
        if bytes.first == UInt8(ascii: "{") {
            return try JSONDecoder().decode(ExecutorCheckpoint.self, from: Data(bytes))
        }
        var input = BinaryReader(bytes: bytes)
        guard try input.byte() == binaryVersion else { throw DecodingError(description: "unknown checkpoint version \(bytes.first ?? 0)") }
        let framework = try input.data()
        let executor = try input.data()
        let containerID = try input.string()
        let directory = try input.string()
        let pid = Int32(bitPattern: UInt32(truncatingIfNeeded: try input.varint()))
        let version = try input.string()
        var dirs: [String: String] = [:]
        for _ in 0..<(try input.count()) {
            let controller = try input.string()
            dirs[controller] = try input.string()
        }
        let everSubscribed = try input.varint() != 0
        var tasks: [TaskEntry] = []
        for _ in 0..<(try input.count()) {
            let info = try input.data()
            var group: [String] = []
            for _ in 0..<(try input.count()) { group.append(try input.string()) }
            let delivered = try input.varint() != 0
            let state = Int(Int32(bitPattern: UInt32(truncatingIfNeeded: try input.varint())))
            var pending: [Data] = []
            for _ in 0..<(try input.count()) { pending.append(try input.data()) }
            var seen: [Data] = []
            for _ in 0..<(try input.count()) { seen.append(try input.data()) }
            let completed = try input.varint() != 0
            tasks.append(TaskEntry(info: info, groupTaskIDs: group, delivered: delivered, state: state, pending: pending,
                                   seen: seen, completed: completed))
        }
        guard input.atEnd else { throw DecodingError(description: "trailing bytes after the checkpoint") }
        return ExecutorCheckpoint(framework: framework, executor: executor, containerID: containerID, directory: directory, pid: pid,
                                  cgroupVersion: version.isEmpty ? nil : version, cgroupDirectories: version.isEmpty ? nil : dirs,
                                  everSubscribed: everSubscribed, tasks: tasks)
    }
}

struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func data(_ value: Data) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) {
        let utf8 = value.utf8
        varint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

struct BinaryReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw ExecutorCheckpoint.DecodingError(description: "checkpoint ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw ExecutorCheckpoint.DecodingError(description: "checkpoint varint too long") }
            value |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// A count or length, bounded by what is left to read (each element takes a byte at least).
    mutating func count() throws -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.count - offset) else { throw ExecutorCheckpoint.DecodingError(description: "checkpoint length out of range") }
        return Int(n)
    }

    mutating func raw() throws -> ArraySlice<UInt8> {
        let n = try count()
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    mutating func data() throws -> Data { Data(try raw()) }

    mutating func string() throws -> String { String(decoding: try raw(), as: UTF8.self) }
}
