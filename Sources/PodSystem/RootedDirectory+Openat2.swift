import Glibc

/// `openat2(2)` through glibc's `syscall(2)`.
///
/// glibc has no `openat2` wrapper and Swift does not import the variadic `syscall`, so the
/// symbol is looked up once and called through a fixed-arity C function type. That is sound on
/// the Linux ABIs we run on (x86_64 SysV and AArch64 AAPCS64), where integer and pointer
/// arguments of a variadic call travel in the same registers as named ones, and glibc's
/// `syscall` is a register shuffle that reads exactly the arguments the system call takes.
enum Openat2 {
    static let resolveNoXdev: UInt64 = 0x01
    static let resolveNoMagiclinks: UInt64 = 0x02
    static let resolveNoSymlinks: UInt64 = 0x04
    static let resolveBeneath: UInt64 = 0x08
    static let resolveInRoot: UInt64 = 0x10

    /// `struct open_how` from `<linux/openat2.h>`.
    struct OpenHow {
        var flags: UInt64
        var mode: UInt64
        var resolve: UInt64
    }

    private typealias SyscallFunction = @convention(c) (Int, Int, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int

    /// The `syscall` symbol, resolved once; `nil` if the C library does not export it.
    private static let syscallFunction: SyscallFunction? = {
        guard let symbol = dlsym(nil, "syscall") else { return nil }
        return unsafeBitCast(symbol, to: SyscallFunction.self)
    }()

    /// `__NR_openat2`; system calls added since Linux 5.1 share one number on every architecture.
    private static let number = 437

    /// Opens `path` relative to `directory` with `resolve` flags; throws naming the operands.
    static func open(directory: Int32, directoryPath: String, path: String, flags: Int32, mode: mode_t,
                     resolve: UInt64) throws(FileSystemError) -> Int32
    {
        guard let call = syscallFunction else {
            throw FileSystemError("openat2", [directoryPath, path], errno: ENOSYS)
        }
        var how = OpenHow(flags: UInt64(UInt32(bitPattern: flags)), mode: UInt64(mode), resolve: resolve)
        var result = -1
        var attempts = 0
        repeat {
            attempts += 1
            result = path.withCString { cPath in
                withUnsafePointer(to: &how) { howPointer in
                    call(number, Int(directory), cPath, UnsafeRawPointer(howPointer), MemoryLayout<OpenHow>.size)
                }
            }
        } while result < 0 && (Glibc.errno == EINTR || Glibc.errno == EAGAIN) && attempts < 16
        guard result >= 0 else {
            throw FileSystemError.last("openat2", directoryPath, path, resolveDescription(resolve))
        }
        return Int32(result)
    }

    static func resolveDescription(_ resolve: UInt64) -> String {
        var names: [String] = []
        if resolve & resolveInRoot != 0 { names.append("RESOLVE_IN_ROOT") }
        if resolve & resolveBeneath != 0 { names.append("RESOLVE_BENEATH") }
        if resolve & resolveNoSymlinks != 0 { names.append("RESOLVE_NO_SYMLINKS") }
        if resolve & resolveNoMagiclinks != 0 { names.append("RESOLVE_NO_MAGICLINKS") }
        if resolve & resolveNoXdev != 0 { names.append("RESOLVE_NO_XDEV") }
        return names.joined(separator: "|")
    }
}
