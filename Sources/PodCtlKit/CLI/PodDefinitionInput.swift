import Foundation

/// Reads the pod definition argument, `FILE` or `-` for standard input.
///
/// The bytes go to the server unchanged: the server validates them, and its errors are
/// what the operator sees.
enum PodDefinitionInput {
    static func read(_ argument: String, in context: CommandContext) throws(PodCtlError) -> Data {
        let data: Data
        let name: String
        if argument == "-" {
            name = "standard input"
            do {
                data = try context.readStandardInput()
            } catch {
                throw .usage("cannot read the pod definition from standard input")
            }
        } else {
            name = "'\(argument)'"
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: argument))
            } catch {
                let reason = FileManager.default.fileExists(atPath: argument) ? "cannot be read" : "does not exist"
                throw .usage("pod definition file \(name) \(reason)")
            }
        }
        guard data.contains(where: { !Self.isWhitespace($0) }) else {
            throw .usage("the pod definition in \(name) is empty")
        }
        return data
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
