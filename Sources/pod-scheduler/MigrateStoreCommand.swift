import ArgumentParser
import Foundation
import Logging
import PodSchedulerCore
import PodSchedulerHA
import ZooKeeper

/// `pod-scheduler migrate-store --from A --to B`: copies the scheduler's whole state (the
/// framework id, pods with every version, instances, deployments, launch backoff) between
/// a single instance's SQLite store and ZooKeeper (`--zk`), either way, while no scheduler
/// runs on either.
struct MigrateStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy the scheduler's state between SQLite (<work-dir>/state.db) and ZooKeeper (zk://…/path), either way. Stop every scheduler using either first.")

    @Option(help: "The state to copy: a single instance's store (<work-dir>/state.db, or the work directory), or zk://[user:password@]host:port[,…]/path.")
    var from: String

    @Option(help: "Where to copy it: a SQLite file (created if missing), or zk://[user:password@]host:port[,…]/path.")
    var to: String

    @Flag(help: "Replace what the target holds (refused otherwise when it is not empty).")
    var force = false

    @Option(name: .customLong("zk-timeout"), help: "How long to wait for a ZooKeeper connection, in milliseconds.")
    var zkTimeout: Int = 10000

    func run() async throws {
        ProcessStartup.bootstrapLogging(level: .info)
        let logger = Logger(label: "pod-scheduler")
        do {
            let copied = try await MigrateStore(connectTimeout: .milliseconds(max(100, zkTimeout)), logger: logger)
                .copy(from: from, to: to, force: force)
            print("copied \(copied) records")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

/// The copy behind `migrate-store`.
struct MigrateStore {
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    enum Location {
        case sqlite(String)
        case zooKeeper(ZooKeeperURL)
    }

    var connectTimeout: Duration
    var logger: Logger

    /// Copies every record; returns how many.
    func copy(from: String, to: String, force: Bool) async throws(Failure) -> Int {
        let source = try Self.location(from, flag: "--from", mustExist: true)
        let target = try Self.location(to, flag: "--to", mustExist: false)
        let (reader, closeReader) = try await open(source, flag: "--from")
        let writer: any SchedulerStateStore
        let closeWriter: @Sendable () async -> Void
        do {
            (writer, closeWriter) = try await open(target, flag: "--to")
        } catch {
            await closeReader()
            throw error
        }
        let result: Result<Int, Failure>
        do {
            result = .success(try await copy(reader, to: writer, force: force))
        } catch {
            result = .failure(error)
        }
        await closeWriter()
        await closeReader()
        return try result.get()
    }

    private func copy(_ reader: any SchedulerStateStore, to writer: any SchedulerStateStore, force: Bool) async throws(Failure) -> Int {
        guard reader.location != writer.location else { throw Failure(message: "--from and --to are the same store") }
        do {
            let records = try await reader.allRecords()
            let existing = try await writer.allRecords()
            if !existing.isEmpty && !force {
                throw Failure(message: "--to: \(writer.location) already holds \(existing.count) records; give --force to replace them")
            }
            let copied = Set(records.map(\.key))
            var changes = existing.filter { !copied.contains($0.key) }.map { StoreChange.delete($0.key) }
            changes += records.map { StoreChange.put($0.key, $0.data) }
            try await writer.write(changes).durable()
            logger.info("state copied", metadata: ["store.from": "\(reader.location)", "store.to": "\(writer.location)",
                                                   "records": "\(records.count)", "replaced": "\(existing.count)"])
            return records.count
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(message: "\(error)")
        }
    }

    static func location(_ text: String, flag: String, mustExist: Bool) throws(Failure) -> Location {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("zk://") || trimmed.hasPrefix("file://") {
            do {
                return .zooKeeper(try ZooKeeperURL.resolve(trimmed))
            } catch {
                throw Failure(message: "\(flag): \(error)")
            }
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory)
        let path = exists && isDirectory.boolValue ? trimmed + "/state.db" : trimmed
        if mustExist && !FileManager.default.fileExists(atPath: path) {
            throw Failure(message: "\(flag): \(path) does not exist (give <work-dir>/state.db or a zk:// URL)")
        }
        return .sqlite(path)
    }

    /// The store at `location`, and how to close it. A ZooKeeper path where a scheduler takes
    /// part in the election is refused: its leader would be writing.
    private func open(_ location: Location, flag: String) async throws(Failure) -> (any SchedulerStateStore, @Sendable () async -> Void) {
        switch location {
        case .sqlite(let path):
            do {
                let store = try SQLiteSchedulerStore(path: path)
                return (store, { await store.close() })
            } catch {
                throw Failure(message: "\(flag): \(path): \(error)")
            }
        case .zooKeeper(let url):
            let session: ZooKeeperSession
            do {
                session = try await ZooKeeperSession.connect(.init(url: url, connectTimeout: connectTimeout, logger: logger))
            } catch {
                throw Failure(message: "\(flag): cannot reach ZooKeeper at \(url): \(error)")
            }
            let layout = ZooKeeperStoreLayout(root: url.path)
            do {
                if let members = try? await session.children(layout.election), !members.isEmpty {
                    throw Failure(message: "\(flag): \(members.count) pod-scheduler instance(s) take part in the election at \(url); stop them first")
                }
                let store = try await ZooKeeperSchedulerStore.open(session: session, layout: layout, fence: nil, gate: nil,
                                                                   location: url.description, logger: logger)
                return (store, { await store.close(); await session.close() })
            } catch let error as Failure {
                await session.close()
                throw error
            } catch {
                await session.close()
                throw Failure(message: "\(flag): \(url): \(error)")
            }
        }
    }
}
