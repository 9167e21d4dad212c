import PodCtlAgent
import PodCtlKit

// From an async function, `PodCtl.main()` is podctl's own entry point (its exit codes);
// top-level code would resolve it to ArgumentParser's synchronous `main()`.
func podctl() async {
    PodCtl.extraSubcommands = [AgentCommand.self]
    await PodCtl.main()
}
await podctl()
