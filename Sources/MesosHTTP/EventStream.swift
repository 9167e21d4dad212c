import MesosProtocol
import NIOCore
import SwiftProtobuf

/// Decodes a RecordIO event stream (an HTTP response body: any sequence of byte chunks)
/// into messages. A record whose payload cannot be decoded is delivered as a failure and
/// the stream goes on (the framing is intact); a framing error or a broken connection ends
/// the stream with an error. Unknown fields are ignored.
public struct EventStream<Event: SwiftProtobuf.Message & Sendable, Body: AsyncSequence & Sendable>: AsyncSequence, Sendable
where Body.Element == ByteBuffer {
    public typealias Element = Result<Event, MesosHTTPError>
    let body: Body
    let encoding: MesosEncoding
    let maxRecordSize: Int

    public init(body: Body, encoding: MesosEncoding, maxRecordSize: Int = 64 << 20) {
        self.body = body
        self.encoding = encoding
        self.maxRecordSize = maxRecordSize
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var bodyIterator: Body.AsyncIterator
        var decoder: RecordIODecoder
        let encoding: MesosEncoding
        var ended = false

        public mutating func next() async throws -> Result<Event, MesosHTTPError>? {
            while true {
                let record: [UInt8]?
                do {
                    record = try decoder.next()
                } catch {
                    throw MesosHTTPError(.protocolViolation, "malformed event stream: \(error)")
                }
                if let record {
                    do {
                        return .success(try encoding.decode(Event.self, from: record))
                    } catch {
                        return .failure(MesosHTTPError(.protocolViolation, "undecodable event record of \(record.count) bytes: \(error)"))
                    }
                }
                if ended { return nil }
                let chunk: ByteBuffer?
                do {
                    chunk = try await bodyIterator.next()
                } catch {
                    throw MesosHTTPError(.transport, "event stream broke: \(error)")
                }
                guard let chunk else {
                    ended = true
                    do {
                        try decoder.finish()
                    } catch {
                        throw MesosHTTPError(.protocolViolation, "event stream ended mid-record: \(error)")
                    }
                    return nil
                }
                decoder.append(chunk.readableBytesView)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(bodyIterator: body.makeAsyncIterator(), decoder: RecordIODecoder(maxRecordSize: maxRecordSize), encoding: encoding)
    }
}
