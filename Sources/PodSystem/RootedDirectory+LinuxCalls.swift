import Glibc

/// Linux calls that Swift's Glibc module does not import (they sit behind `_GNU_SOURCE` or in
/// `<sys/xattr.h>`), resolved once with `dlsym` and called through their exact C prototypes.
/// None of them is variadic, so calling through a typed pointer is the ordinary C ABI.
/// When this file moves into PodSystem these can come from the project's C shim instead.
enum LinuxCalls {
    /// `O_PATH` (`010000000`), the same on x86_64 and AArch64.
    static let oPath: Int32 = 0o10000000
    /// `RENAME_NOREPLACE` from `<linux/fs.h>`.
    static let renameNoReplace: UInt32 = 1

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private typealias FSetXattr = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias LSetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    private typealias LListXattr = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    private typealias LGetXattr = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int

    private static func load<T>(_ name: String, as type: T.Type) -> T? {
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    private static let renameat2Function = load("renameat2", as: RenameAt2.self)
    private static let fsetxattrFunction = load("fsetxattr", as: FSetXattr.self)
    private static let lsetxattrFunction = load("lsetxattr", as: LSetXattr.self)
    private static let llistxattrFunction = load("llistxattr", as: LListXattr.self)
    private static let lgetxattrFunction = load("lgetxattr", as: LGetXattr.self)

    static func renameat2(_ fromDirectory: Int32, _ from: String, _ toDirectory: Int32, _ to: String, _ flags: UInt32) -> Int32 {
        guard let call = renameat2Function else { Glibc.errno = ENOSYS; return -1 }
        return call(fromDirectory, from, toDirectory, to, flags)
    }

    static func fsetxattr(_ fd: Int32, _ name: String, _ value: UnsafeRawBufferPointer) -> Int32 {
        guard let call = fsetxattrFunction else { Glibc.errno = ENOSYS; return -1 }
        return call(fd, name, value.baseAddress, value.count, 0)
    }

    static func lsetxattr(_ path: String, _ name: String, _ value: UnsafeRawBufferPointer) -> Int32 {
        guard let call = lsetxattrFunction else { Glibc.errno = ENOSYS; return -1 }
        return call(path, name, value.baseAddress, value.count, 0)
    }

    static func llistxattr(_ path: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
        guard let call = llistxattrFunction else { Glibc.errno = ENOSYS; return -1 }
        return call(path, buffer, size)
    }

    static func lgetxattr(_ path: String, _ name: String, _ buffer: UnsafeMutableRawPointer?, _ size: Int) -> Int {
        guard let call = lgetxattrFunction else { Glibc.errno = ENOSYS; return -1 }
        return call(path, name, buffer, size)
    }
}
