#if canImport(Glibc)
import Glibc
#endif

/// Resolves users of the host (containers without an image run as host users, as with
/// the Mesos containerizer).
public enum UserDatabase {
    public struct Identity: Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var supplementaryGroups: [UInt32]
        public var home: String
        public var name: String

        public init(uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32], home: String, name: String) {
            self.uid = uid
            self.gid = gid
            self.supplementaryGroups = supplementaryGroups
            self.home = home
            self.name = name
        }
    }

    /// Looks a user up by name or numeric uid in the host's user database.
    public static func host(_ user: String) throws(SystemError) -> Identity {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let rc: Int32
        if let uid = UInt32(user) {
            rc = getpwuid_r(uid, &pwd, &buffer, buffer.count, &result)
            if result == nil {
                // A numeric uid without an entry is still a valid identity.
                return Identity(uid: uid, gid: uid, supplementaryGroups: [], home: "/", name: user)
            }
        } else {
            rc = getpwnam_r(user, &pwd, &buffer, buffer.count, &result)
        }
        guard rc == 0, let entry = result else {
            throw SystemError("getpwnam", user, errno: rc == 0 ? ENOENT : rc, detail: "no such user on the agent")
        }
        let name = String(cString: entry.pointee.pw_name)
        let gid = entry.pointee.pw_gid
        var groups = [gid_t](repeating: 0, count: 256)
        var count = Int32(groups.count)
        if getgrouplist(name, gid, &groups, &count) < 0 { count = 0 }
        return Identity(uid: entry.pointee.pw_uid, gid: gid, supplementaryGroups: Array(groups.prefix(Int(max(0, count)))),
                        home: String(cString: entry.pointee.pw_dir), name: name)
    }
}
