import Foundation
import Primitives
import SwiftProtobuf
import Testing

import MesosProtocol

/// RecordIO framing (docs/reference/mesos-executor-protocol.md §1.3): `decimal-length LF bytes`, records independent of
/// HTTP chunk boundaries.
@Suite("RecordIO")
struct RecordIOTests {
    static let heartbeat = #"{"type":"HEARTBEAT"}"#
    static let kill = #"{"type":"KILL","kill":{"task_id":{"value":"web.instance-1.nginx.1"}}}"#
    /// The example of docs/reference/mesos-executor-protocol.md §1.3, byte for byte.
    static let referenceExample = "20\n" + heartbeat + "69\n" + kill

    /// A stream with records of several sizes, including an empty one and binary bytes.
    static var mixedRecords: [[UInt8]] {
        [Array(heartbeat.utf8), [], Array(kill.utf8), [0x0A, 0x00, 0xFF, 0x30, 0x0A], Array(repeating: 0x41, count: 300), [0x39]]
    }

    // MARK: Encoding

    @Test func encodeFramesWithDecimalLengthAndNoTrailingNewline() {
        #expect(RecordIO.encode(Array(Self.heartbeat.utf8)) == Array(("20\n" + Self.heartbeat).utf8))
        #expect(RecordIO.encode([UInt8]()) == Array("0\n".utf8))
        #expect(RecordIO.encode(Array(repeating: UInt8(7), count: 1234)).prefix(5) == [0x31, 0x32, 0x33, 0x34, 0x0A])
        #expect(RecordIO.encode(Array(repeating: UInt8(7), count: 1234)).count == 1234 + 5)
    }

    @Test func referenceExampleIsWhatEncodeProduces() {
        let framed = RecordIO.encode(Array(Self.heartbeat.utf8)) + RecordIO.encode(Array(Self.kill.utf8))
        #expect(framed == Array(Self.referenceExample.utf8))
    }

    @Test func referenceExampleDecodesToTwoEventsAcrossEverySplit() throws {
        let stream = Array(Self.referenceExample.utf8)
        // One piece, and every single cut point.
        for cut in 0...stream.count {
            let records = try decodeRecords(split(stream, at: [cut]))
            #expect(records == [Array(Self.heartbeat.utf8), Array(Self.kill.utf8)], "cut at \(cut)")
        }
        let events = try decodeRecords([stream[...]]).map { try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, from: $0) }
        #expect(events.map(\.type) == [.heartbeat, .kill])
        #expect(events[1].kill.taskID.value == "web.instance-1.nginx.1")
    }

    @Test func roundTripOfManyRecords() throws {
        var generator = SeededGenerator(seed: 1)
        var records = Self.mixedRecords
        for _ in 0..<200 {
            let count = Int.random(in: 0...2000, using: &generator)
            records.append((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let stream = records.flatMap { RecordIO.encode($0) }
        #expect(try decodeRecords([stream[...]]) == records)
    }

    // MARK: Chunking

    @Test func byteByByteDecodingYieldsTheSameRecords() throws {
        let records = Self.mixedRecords
        let stream = records.flatMap { RecordIO.encode($0) }
        let pieces = stream.indices.map { stream[$0...$0] }
        #expect(try decodeRecords(pieces) == records)
    }

    @Test func everyTwoWaySplitYieldsTheSameRecords() throws {
        let records = Self.mixedRecords
        let stream = records.flatMap { RecordIO.encode($0) }
        for cut in 0...stream.count {
            #expect(try decodeRecords(split(stream, at: [cut])) == records, "cut at \(cut)")
        }
    }

    @Test func everyThreeWaySplitOfTheReferenceExample() throws {
        let stream = Array(Self.referenceExample.utf8)
        let expected = [Array(Self.heartbeat.utf8), Array(Self.kill.utf8)]
        for a in 0...stream.count {
            for b in a...stream.count {
                #expect(try decodeRecords(split(stream, at: [a, b])) == expected, "cuts \(a), \(b)")
            }
        }
    }

    @Test func randomSplitsWithAFixedSeed() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        let records = Self.mixedRecords + (0..<20).map { n in Array(String(repeating: "x", count: n * 37).utf8) }
        let stream = records.flatMap { RecordIO.encode($0) }
        for _ in 0..<500 {
            let cutCount = Int.random(in: 1...40, using: &generator)
            let cuts = (0..<cutCount).map { _ in Int.random(in: 0...stream.count, using: &generator) }
            #expect(try decodeRecords(split(stream, at: cuts)) == records, "cuts \(cuts.sorted())")
        }
    }

    @Test func recordsAreReturnedAsSoonAsTheyAreComplete() throws {
        var decoder = RecordIODecoder()
        decoder.append(Array("5\nhel".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.pendingByteCount == 5)
        decoder.append(Array("lo3\nab".utf8))
        #expect(try decoder.next() == Array("hello".utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.pendingByteCount == 4)
        decoder.append([UInt8(ascii: "c")])
        #expect(try decoder.next() == Array("abc".utf8))
        #expect(decoder.pendingByteCount == 0)
        try decoder.finish()
    }

    @Test func longStreamsAreCompactedWithoutLosingBytes() throws {
        // Many records fed in uneven pieces, so the decoder's buffer compaction runs often.
        var generator = SeededGenerator(seed: 99)
        let records = (0..<3000).map { i in Array("record-\(i)-".utf8) + Array(repeating: UInt8(i % 251), count: i % 97) }
        let stream = records.flatMap { RecordIO.encode($0) }
        var decoder = RecordIODecoder()
        var out: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let n = min(stream.count - offset, Int.random(in: 1...9000, using: &generator))
            decoder.append(stream[offset..<offset + n])
            offset += n
            // Take only some records each time, so unread bytes pile up before compaction.
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                guard let r = try decoder.next() else { break }
                out.append(r)
            }
        }
        while let r = try decoder.next() { out.append(r) }
        try decoder.finish()
        #expect(out == records)
    }

    // MARK: Malformed length prefixes

    struct BadPrefix: CustomTestStringConvertible, Sendable {
        let input: String
        let error: RecordIOError
        var testDescription: String { input.debugDescription }
    }

    static let badPrefixes: [BadPrefix] = [
        BadPrefix(input: "abc\n", error: .malformedLengthPrefix(offset: 0, byte: UInt8(ascii: "a"))),
        BadPrefix(input: "12x4\n", error: .malformedLengthPrefix(offset: 2, byte: UInt8(ascii: "x"))),
        BadPrefix(input: "+5\nhello", error: .malformedLengthPrefix(offset: 0, byte: UInt8(ascii: "+"))),
        BadPrefix(input: "-5\nhello", error: .malformedLengthPrefix(offset: 0, byte: UInt8(ascii: "-"))),
        BadPrefix(input: " 5\nhello", error: .malformedLengthPrefix(offset: 0, byte: 0x20)),
        BadPrefix(input: "5 \nhello", error: .malformedLengthPrefix(offset: 1, byte: 0x20)),
        BadPrefix(input: "5\r\nhello", error: .malformedLengthPrefix(offset: 1, byte: 0x0D)),
        BadPrefix(input: "0x10\n", error: .malformedLengthPrefix(offset: 1, byte: UInt8(ascii: "x"))),
        BadPrefix(input: "\n", error: .invalidLength(offset: 0, text: "")),
        BadPrefix(input: "\nhello", error: .invalidLength(offset: 0, text: "")),
        // 21 digits: longer than any UInt64.
        BadPrefix(input: "000000000000000000001\n", error: .invalidLength(offset: 0, text: "000000000000000000001")),
        // 20 digits that overflow UInt64 (max 18446744073709551615).
        BadPrefix(input: "18446744073709551616\n", error: .invalidLength(offset: 0, text: "18446744073709551616")),
        BadPrefix(input: "99999999999999999999\n", error: .invalidLength(offset: 0, text: "99999999999999999999")),
        // After a good record, offsets are stream offsets.
        BadPrefix(input: "2\nok\n", error: .invalidLength(offset: 4, text: "")),
        BadPrefix(input: "2\nokZ", error: .malformedLengthPrefix(offset: 4, byte: UInt8(ascii: "Z"))),
    ]

    @Test(arguments: badPrefixes)
    func malformedLengthPrefixIsRejected(_ bad: BadPrefix) {
        let stream = Array(bad.input.utf8)
        // All at once and byte by byte: the same error either way.
        for pieces in [[stream[...]], stream.indices.map { stream[$0...$0] }] {
            var decoder = RecordIODecoder()
            var thrown: RecordIOError?
            do {
                for piece in pieces {
                    decoder.append(piece)
                    while try decoder.next() != nil {}
                }
            } catch {
                thrown = error
            }
            #expect(thrown == bad.error)
            // The decoder stays failed.
            #expect(throws: bad.error) { try decoder.next() }
            #expect(throws: bad.error) { try decoder.finish() }
        }
    }

    @Test func largestUInt64LengthIsParsedAndThenTooLarge() {
        var decoder = RecordIODecoder()
        decoder.append(Array("18446744073709551615\n".utf8))
        #expect(throws: RecordIOError.recordTooLarge(offset: 0, length: UInt64.max, limit: 64 << 20)) { try decoder.next() }
    }

    // MARK: Size limit

    @Test func recordOverTheLimitIsRejectedBeforeItsBytesArrive() throws {
        var decoder = RecordIODecoder(maxRecordSize: 100)
        decoder.append(Array("3\nabc".utf8))
        #expect(try decoder.next() == Array("abc".utf8))
        // Only the prefix of a 101-byte record (and 2 of its bytes) have arrived.
        decoder.append(Array("101\nxy".utf8))
        #expect(throws: RecordIOError.recordTooLarge(offset: 5, length: 101, limit: 100)) { try decoder.next() }
        #expect(decoder.pendingByteCount == 6)
    }

    @Test func recordAtTheLimitIsAccepted() throws {
        let record = Array(repeating: UInt8(ascii: "z"), count: 100)
        #expect(try decodeRecords([RecordIO.encode(record)[...]], maxRecordSize: 100) == [record])
        #expect(throws: RecordIOError.recordTooLarge(offset: 0, length: 101, limit: 100)) {
            try decodeRecords([RecordIO.encode(record + [0])[...]], maxRecordSize: 100)
        }
    }

    @Test func tooLargeErrorDoesNotDependOnChunking() {
        // A 12-digit length against a 64 MiB limit: whether the digits arrive at once or one
        // by one, the error names the whole length.
        let stream = Array("123456789012\n".utf8)
        let expected = RecordIOError.recordTooLarge(offset: 0, length: 123_456_789_012, limit: 64 << 20)
        for cut in 0...stream.count {
            #expect(throws: expected, "cut at \(cut)") { try decodeRecords(split(stream, at: [cut])) }
        }
        #expect(throws: expected) { try decodeRecords(stream.indices.map { stream[$0...$0] }) }
    }

    // MARK: End of stream

    @Test func truncatedStreamThrowsAtEveryCutInsideARecord() throws {
        let records: [[UInt8]] = [Array("first".utf8), Array(Self.kill.utf8), Array("x".utf8)]
        let stream = records.flatMap { RecordIO.encode($0) }
        var boundaries: Set<Int> = [0]
        var position = 0
        for r in records {
            position += RecordIO.encode(r).count
            boundaries.insert(position)
        }
        for cut in 0...stream.count {
            let prefix = Array(stream[..<cut])
            if boundaries.contains(cut) {
                // A clean cut between records: finish() is fine.
                let expected = Array(records.prefix(boundaries.filter { $0 > 0 && $0 <= cut }.count))
                #expect(try decodeRecords([prefix[...]]) == expected, "clean cut at \(cut)")
            } else {
                var decoder = RecordIODecoder()
                decoder.append(prefix)
                while try decoder.next() != nil {}
                do {
                    try decoder.finish()
                    Issue.record("finish() did not throw for a stream cut at \(cut)")
                } catch {
                    guard case .truncated(let offset, let missing) = error else {
                        Issue.record("unexpected error \(error) at cut \(cut)")
                        continue
                    }
                    #expect(offset == cut)
                    // Inside the digits: a length prefix is missing; after the LF: a record.
                    let lastBoundary = boundaries.filter { $0 < cut }.max()!
                    let lf = stream[lastBoundary...].firstIndex(of: 0x0A)!
                    #expect(missing == (cut <= lf ? "a length prefix" : "a record"), "cut at \(cut)")
                }
            }
        }
    }

    @Test func emptyStreamFinishesCleanly() throws {
        let decoder = RecordIODecoder()
        try decoder.finish()
        #expect(decoder.pendingByteCount == 0)
    }

    // MARK: Fuzz

    @Test func randomGarbageNeverCrashes() {
        var generator = SeededGenerator(seed: 0xF022)
        var recordsSeen = 0
        var errorsSeen = 0
        for round in 0..<2000 {
            let length = Int.random(in: 0...300, using: &generator)
            // Mix pure noise with digit-heavy noise, which gets past the length parser more often.
            let digitHeavy = round % 2 == 0
            let stream: [UInt8] = (0..<length).map { _ in
                if digitHeavy {
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0..<6: return UInt8.random(in: 0x30...0x39, using: &generator)
                    case 6..<8: return 0x0A
                    default: return UInt8.random(in: 0...255, using: &generator)
                    }
                }
                return UInt8.random(in: 0...255, using: &generator)
            }
            let cuts = (0..<Int.random(in: 0...5, using: &generator)).map { _ in Int.random(in: 0...max(0, stream.count), using: &generator) }
            var decoder = RecordIODecoder(maxRecordSize: 200)
            var yielded = 0
            var failed = false
            do {
                for piece in split(stream, at: cuts) {
                    decoder.append(piece)
                    while let record = try decoder.next() {
                        #expect(record.count <= 200)
                        yielded += record.count
                        recordsSeen += 1
                    }
                }
                try decoder.finish()
            } catch {
                failed = true
                errorsSeen += 1
            }
            // Either way the decoder never returned more bytes than it was given.
            #expect(yielded <= stream.count)
            if !failed { #expect(decoder.pendingByteCount == 0) }
        }
        // The fuzz exercised both outcomes.
        #expect(recordsSeen > 0)
        #expect(errorsSeen > 0)
    }

    // MARK: The real wire

    /// `executor-subscribed.json`: `raw_wire_prefix` is the de-headered HTTP body as received
    /// (chunk-size lines + RecordIO), sanitized; `wire_sample_rebuilt` re-frames the
    /// sanitized records with correct sizes.
    @Test func realExecutorStreamFraming() throws {
        let fixture = try Golden.json("executor-subscribed.json")
        let rebuilt = Array(try #require(fixture["wire_sample_rebuilt"]?.string).utf8)
        let (body, chunkSizes) = try dechunk(rebuilt)
        // One record per chunk, as Mesos 1.12 sends them; the decoder must not rely on it,
        // so decode byte by byte too.
        let records = try decodeRecords([body[...]])
        #expect(records.count == chunkSizes.count)
        #expect(try decodeRecords(body.indices.map { body[$0...$0] }) == records)
        for (record, size) in zip(records, chunkSizes) {
            #expect(String(record.count).utf8.count + 1 + record.count == size)
        }
        let events = try records.map { try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, from: $0) }
        #expect(events.first?.type == .subscribed)
        #expect(events.dropFirst().first?.type == .launchGroup)
        #expect(events.dropFirst(2).allSatisfy { $0.type == .acknowledged })
        // The first record is the SUBSCRIBED event recorded verbatim.
        #expect(records.first == Array(try #require(fixture["subscribed"]?["raw"]?.string).utf8))
        let listed = try #require(fixture["events_on_this_stream"]?.array).compactMap { $0["type"]?.string }
        #expect(events.map { $0.type.mesosName } == Array(listed.prefix(events.count)))
    }

    @Test func realExecutorWirePrefixAsReceived() throws {
        let fixture = try Golden.json("executor-subscribed.json")
        let wire = Array(try #require(fixture["subscribe"]?["raw_wire_prefix"]?.string).utf8)
        let listed = try #require(fixture["events_on_this_stream"]?.array)
        // Sanitizing shortened the first two records, so their chunk sizes and RecordIO
        // prefixes are the original (longer) ones. Split at CRLF instead (JSON records
        // hold no raw CR or LF) and check the framing of every chunk against the listing.
        var parts: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + 1 < wire.count {
            if wire[i] == 0x0D && wire[i + 1] == 0x0A {
                parts.append(Array(wire[start..<i]))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        #expect(start == wire.count, "the prefix ends with a complete chunk")
        #expect(parts.count % 2 == 0)
        let chunks = stride(from: 0, to: parts.count - 1, by: 2).map { (size: parts[$0], data: parts[$0 + 1]) }
        #expect(chunks.count == listed.count)
        for (index, chunk) in chunks.enumerated() {
            let size = try #require(Int(String(decoding: chunk.size, as: UTF8.self), radix: 16))
            let prefix = try #require(listed[index]["length_prefix"]?.string)
            let length = try #require(Int(prefix))
            // Chunk = digits + LF + record, with the original record length.
            #expect(size == prefix.utf8.count + 1 + length, "chunk \(index)")
            #expect(chunk.data.starts(with: Array((prefix + "\n").utf8)), "chunk \(index)")
            var decoder = RecordIODecoder()
            decoder.append(chunk.data)
            if chunk.data.count == size {
                // Unsanitized: exactly one whole record per chunk.
                let record = try #require(try decoder.next())
                #expect(record.count == length)
                #expect(decoder.pendingByteCount == 0)
                let event = try MesosEncoding.json.decode(Mesos_V1_Executor_Event.self, from: record)
                #expect(event.type.mesosName == listed[index]["type"]?.string)
            } else {
                // Sanitized (shorter): the decoder waits for the rest of the record.
                #expect(chunk.data.count < size)
                #expect(try decoder.next() == nil)
            }
        }
    }

    @Test func realProtobufStreamFraming() throws {
        let fixture = try Golden.json("executor-protobuf-stream.json")
        let hex = try #require(fixture["raw_wire_prefix_hex_sanitized"]?.string)
        let wire = try #require(Hex.decode(hex))
        let (body, chunkSizes) = try dechunk(wire)
        let framing = try #require(fixture["wire_framing_as_received"]?.array)
        let goldenRecords = try #require(fixture["records"]?.array)
        #expect(chunkSizes.count == framing.count)
        let records = try decodeRecords(body.indices.map { body[$0...$0] })
        #expect(records.count == framing.count)
        for (index, record) in records.enumerated() {
            // The rebuilt records are the golden (sanitized) payloads.
            let payload = try #require(goldenRecords[index]["payload_b64"]?.string)
            let golden = try #require(base64Bytes(payload))
            #expect(record == golden, "record \(index)")
            #expect(chunkSizes[index] == String(record.count).utf8.count + 1 + record.count)
            let event = try MesosEncoding.protobuf.decode(Mesos_V1_Executor_Event.self, from: record)
            #expect(event.type.mesosName == goldenRecords[index]["type"]?.string)
            // As received: one record per chunk (hex size, CRLF, decimal length, LF).
            let original = try #require(framing[index]["record_prefix"]?.string)
            let payloadLength = try #require(framing[index]["payload_len"]?.number)
            #expect(original == "\(Int(payloadLength))\n")
            let sizeLine = try #require(framing[index]["chunk_size_line"]?.string)
            #expect(sizeLine.hasSuffix("\r\n"))
            #expect(Int(String(decoding: sizeLine.utf8.dropLast(2), as: UTF8.self), radix: 16) == original.utf8.count + Int(payloadLength))
        }
    }
}

extension Mesos_V1_Executor_Event.TypeEnum {
    /// The upstream enum name, as Mesos writes it in JSON.
    var mesosName: String {
        (try? JSON(parsing: MesosEncoding.json.encode({ var e = Mesos_V1_Executor_Event(); e.type = self; return e }())))?["type"]?.string ?? "?"
    }
}

extension Mesos_V1_Scheduler_Event.TypeEnum {
    var mesosName: String {
        (try? JSON(parsing: MesosEncoding.json.encode({ var e = Mesos_V1_Scheduler_Event(); e.type = self; return e }())))?["type"]?.string ?? "?"
    }
}
