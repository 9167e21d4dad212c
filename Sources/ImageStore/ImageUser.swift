import Foundation
import PodSystem

/// A resolved container user.
public struct ResolvedUser: Sendable, Equatable {
    /// The user id.
    public var uid: UInt32
    /// The primary group id.
    public var gid: UInt32
    /// Groups from the image's `/etc/group` that list the user as a member (CVE-2023-25173),
    /// without the primary group.
    public var supplementaryGroups: [UInt32]
    /// The user's name, if the passwd file has one.
    public var name: String?
    /// The home directory from the passwd file, if any.
    public var home: String?
}

/// Resolves the image `User` (`name|uid[:group|gid]`) through the image's own `/etc/passwd` and
/// `/etc/group`, read safely (see ``LayeredFileReader`` and
/// ``PodSystem/RootedDirectory/readFile(_:limit:resolution:)``).
///
/// Unlike Mesos 1.12, which ignores `User` with a warning, this implements it like Docker/runc:
/// an empty user is root; a numeric uid need not exist in passwd (gid then defaults to 0); a
/// name must exist; a group name must exist in `/etc/group`.
public enum ImageUser {
    /// Largest passwd/group file read.
    static let fileLimit = 4 << 20

    /// Resolves against an assembled root file system (an overlay mount or a copy); symlinks in
    /// the path are followed inside the root only.
    public static func resolve(_ user: String, rootfs: RootedDirectory) throws(ImageStoreError) -> ResolvedUser {
        try resolve(user) { (path) throws(ImageStoreError) -> [UInt8]? in
            do throws(FileSystemError) {
                return try rootfs.readFile(path, limit: fileLimit, resolution: .inRoot)
            } catch where error.isNotFound {
                return nil
            } catch {
                throw ImageStoreError(.invalidUser, "cannot read /\(path) from the container root", underlying: error)
            }
        }
    }

    /// Resolves against unpacked layers (bottom → top) without mounting them.
    public static func resolve(_ user: String, layerDirectories: [String]) throws(ImageStoreError) -> ResolvedUser {
        let reader = try LayeredFileReader(layerDirectories: layerDirectories)
        return try resolve(user) { (path) throws(ImageStoreError) -> [UInt8]? in try reader.read(path, limit: fileLimit) }
    }

    static func resolve(_ user: String, readFile: (String) throws(ImageStoreError) -> [UInt8]?)
        throws(ImageStoreError) -> ResolvedUser
    {
        let trimmed = user.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : nil
        guard !(groupPart?.isEmpty ?? false) else { throw ImageStoreError(.invalidUser, "user '\(user)' has an empty group") }

        let passwd = try readFile("etc/passwd").map(parsePasswd) ?? []
        var resolved = ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [], name: nil, home: nil)
        if userPart.isEmpty {
            resolved.name = passwd.first { $0.uid == 0 }?.name ?? "root"
        } else if let uid = UInt32(userPart) {
            resolved.uid = uid
            if let entry = passwd.first(where: { $0.uid == uid }) {
                resolved.gid = entry.gid
                resolved.name = entry.name
                resolved.home = entry.home
            }
        } else {
            guard let entry = passwd.first(where: { $0.name == userPart }) else {
                throw ImageStoreError(.invalidUser, "unable to find user \(userPart): no matching entries in the image's /etc/passwd")
            }
            resolved.uid = entry.uid
            resolved.gid = entry.gid
            resolved.name = entry.name
            resolved.home = entry.home
        }
        let groups = try readFile("etc/group").map(parseGroup) ?? []
        if let groupPart {
            if let gid = UInt32(groupPart) {
                resolved.gid = gid
            } else {
                guard let group = groups.first(where: { $0.name == groupPart }) else {
                    throw ImageStoreError(.invalidUser, "unable to find group \(groupPart): no matching entries in the image's /etc/group")
                }
                resolved.gid = group.gid
            }
        }
        if let name = resolved.name {
            var seen = Set<UInt32>()
            resolved.supplementaryGroups = groups.filter { $0.members.contains(name) && $0.gid != resolved.gid }
                .map(\.gid).filter { seen.insert($0).inserted }
        }
        return resolved
    }

    struct PasswdEntry { var name: String; var uid: UInt32; var gid: UInt32; var home: String }
    struct GroupEntry { var name: String; var gid: UInt32; var members: [String] }

    /// `name:password:uid:gid:gecos:home:shell`; malformed lines are skipped.
    static func parsePasswd(_ bytes: [UInt8]) -> [PasswdEntry] {
        lines(bytes).compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, !fields[0].isEmpty, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return PasswdEntry(name: String(fields[0]), uid: uid, gid: gid, home: fields.count > 5 ? String(fields[5]) : "")
        }
    }

    /// `name:password:gid:member,member`; malformed lines are skipped.
    static func parseGroup(_ bytes: [UInt8]) -> [GroupEntry] {
        lines(bytes).compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty, let gid = UInt32(fields[2]) else { return nil }
            let members = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            return GroupEntry(name: String(fields[0]), gid: gid, members: members)
        }
    }

    private static func lines(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
