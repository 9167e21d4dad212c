import Testing
@testable import ImageStore

/// Every cell of the Mesos merge table (image-pull.md §2.6).
@Suite struct ImageCommandTests {
    static let entrypointImage = ImageConfig(entrypoint: ["/ep", "-x"], cmd: ["c1", "c2"], env: ["PATH=/img/bin", "A=image"],
                                             workingDir: "/work")
    static let cmdImage = ImageConfig(cmd: ["/cmd", "c1", "c2"])
    static let emptyImage = ImageConfig()
    static let images: [(String, ImageConfig?)] = [("entrypoint", entrypointImage), ("cmd", cmdImage), ("neither", emptyImage), ("none", nil)]

    @Test func shellWithValueIgnoresImage() throws {
        for (_, image) in Self.images {
            let command = try ImageCommand.resolve(config: image, shell: true, value: "echo hi", arguments: ["ignored"], taskEnvironment: [])
            #expect(command.executable == "/bin/sh")
            #expect(command.arguments == ["/bin/sh", "-c", "echo hi"])
        }
    }

    @Test func shellWithoutValueIsAnError() {
        for (_, image) in Self.images {
            #expect(throws: ImageStoreError.self) {
                try ImageCommand.resolve(config: image, shell: true, value: nil, arguments: [], taskEnvironment: [])
            }
        }
    }

    @Test func execWithValueRunsValueWithArguments() throws {
        for (_, image) in Self.images {
            let command = try ImageCommand.resolve(config: image, shell: false, value: "/bin/prog", arguments: ["prog", "a"],
                                                   taskEnvironment: [])
            #expect(command.executable == "/bin/prog")
            #expect(command.arguments == ["prog", "a"])
            let bare = try ImageCommand.resolve(config: image, shell: false, value: "/bin/prog", arguments: [], taskEnvironment: [])
            #expect(bare.arguments == ["/bin/prog"])
        }
    }

    @Test func execWithoutValueOrArguments() throws {
        let entrypoint = try ImageCommand.resolve(config: Self.entrypointImage, shell: false, value: nil, arguments: [], taskEnvironment: [])
        #expect(entrypoint.executable == "/ep" && entrypoint.arguments == ["/ep", "-x", "c1", "c2"])
        let cmd = try ImageCommand.resolve(config: Self.cmdImage, shell: false, value: nil, arguments: [], taskEnvironment: [])
        #expect(cmd.executable == "/cmd" && cmd.arguments == ["/cmd", "c1", "c2"])
        for image in [Self.emptyImage, nil] {
            do {
                _ = try ImageCommand.resolve(config: image, shell: false, value: nil, arguments: [], taskEnvironment: [])
                Issue.record("expected No executable is found")
            } catch {
                #expect(error.code == .invalidCommand && error.message.contains("No executable is found"))
            }
        }
    }

    @Test func execWithArgumentsOnly() throws {
        let entrypoint = try ImageCommand.resolve(config: Self.entrypointImage, shell: false, value: nil, arguments: ["a1", "a2"],
                                                  taskEnvironment: [])
        #expect(entrypoint.executable == "/ep" && entrypoint.arguments == ["/ep", "-x", "a1", "a2"])  // A replaces Cmd
        let cmd = try ImageCommand.resolve(config: Self.cmdImage, shell: false, value: nil, arguments: ["a1", "a2"], taskEnvironment: [])
        #expect(cmd.executable == "/cmd" && cmd.arguments == ["/cmd", "a1", "a2"])  // keeps Cmd[0], drops C[1...]
        for image in [Self.emptyImage, nil] {
            #expect(throws: ImageStoreError.self) {
                try ImageCommand.resolve(config: image, shell: false, value: nil, arguments: ["a"], taskEnvironment: [])
            }
        }
    }

    @Test func environmentAndWorkingDirectory() throws {
        let command = try ImageCommand.resolve(config: Self.entrypointImage, shell: false, value: nil, arguments: [],
                                               taskEnvironment: [("A", "task"), ("B", "new")])
        #expect(command.environment == ["PATH=/img/bin", "A=task", "B=new"])
        #expect(command.workingDirectory == "/work")
        let override = ImageCommand.mergeEnvironment(image: ["PATH=/img", "BAD", "=x", "K=v=w"], task: [("PATH", "/task")])
        #expect(override == ["PATH=/task", "K=v=w"])
    }
}
