import CPodShim

/// Linux capability names and numbers, and the default set containers get.
public enum Capabilities {
    /// `CAP_*` numbers by name without the prefix, as Mesos' `CapabilityInfo` spells them
    /// (minus the enum offset of 1000).
    public static let numbers: [String: Int] = [
        "CHOWN": 0, "DAC_OVERRIDE": 1, "DAC_READ_SEARCH": 2, "FOWNER": 3, "FSETID": 4, "KILL": 5,
        "SETGID": 6, "SETUID": 7, "SETPCAP": 8, "LINUX_IMMUTABLE": 9, "NET_BIND_SERVICE": 10,
        "NET_BROADCAST": 11, "NET_ADMIN": 12, "NET_RAW": 13, "IPC_LOCK": 14, "IPC_OWNER": 15,
        "SYS_MODULE": 16, "SYS_RAWIO": 17, "SYS_CHROOT": 18, "SYS_PTRACE": 19, "SYS_PACCT": 20,
        "SYS_ADMIN": 21, "SYS_BOOT": 22, "SYS_NICE": 23, "SYS_RESOURCE": 24, "SYS_TIME": 25,
        "SYS_TTY_CONFIG": 26, "MKNOD": 27, "LEASE": 28, "AUDIT_WRITE": 29, "AUDIT_CONTROL": 30,
        "SETFCAP": 31, "MAC_OVERRIDE": 32, "MAC_ADMIN": 33, "SYSLOG": 34, "WAKE_ALARM": 35,
        "BLOCK_SUSPEND": 36, "AUDIT_READ": 37, "PERFMON": 38, "BPF": 39, "CHECKPOINT_RESTORE": 40,
    ]

    /// The set Docker gives a container by default (moby's `DefaultCapabilities`): enough
    /// for ordinary services, without SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE…
    public static let dockerDefaultNames = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
        "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ]

    /// `dockerDefaultNames` as a mask.
    public static let dockerDefault: UInt64 = mask(dockerDefaultNames)

    /// Every capability the kernel knows.
    public static var all: UInt64 {
        let last = Int(cpod_last_cap())
        return last >= 63 ? UInt64.max : (UInt64(1) << UInt64(last + 1)) - 1
    }

    /// A mask from names (unknown names are ignored; validate with `numbers` first).
    public static func mask(_ names: [String]) -> UInt64 {
        names.reduce(0) { acc, name in
            guard let n = numbers[name.uppercased().replacingPrefix("CAP_")] else { return acc }
            return acc | (UInt64(1) << UInt64(n))
        }
    }

    /// Names of the capabilities in a mask, sorted by number.
    public static func names(_ mask: UInt64) -> [String] {
        numbers.filter { mask & (UInt64(1) << UInt64($0.value)) != 0 }.sorted { $0.value < $1.value }.map(\.key)
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
