import Primitives

/// Maps JSON onto the pod schema the way Marathon's generated Play-JSON readers do,
/// collecting every error as a Play error key (`error.path.missing`,
/// `error.expected.jsnumber`, `error.min`, `error.pattern`, …) at its `JsPath`.
///
/// Conventions: `null` counts as absent; unknown members are ignored; enum values match
/// case-insensitively; constraints are checked only on values of the right type, and all
/// failing constraints of one value are reported.
struct SchemaReader {
    /// Reads one present value; `nil` when it failed (the failure is recorded).
    typealias Read<T> = (inout SchemaReader, JSONValue, JSONPath) -> T?

    private(set) var errors = ErrorCollector()

    var hasErrors: Bool { !errors.isEmpty }

    mutating func fail(_ path: JSONPath, _ key: String) {
        errors.add(path, key)
    }

    /// The member `key` of `object`, treating `null` as absent.
    static func member(_ object: JSONObject, _ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    /// Whether `key` is present (and not `null`).
    static func has(_ object: JSONObject, _ key: String) -> Bool {
        member(object, key) != nil
    }

    // MARK: - Fields

    /// A required member: `error.path.missing` when absent.
    mutating func required<T>(_ object: JSONObject, _ key: String, at parent: JSONPath, _ read: Read<T>) -> T? {
        let path = parent / key
        guard let value = SchemaReader.member(object, key) else {
            fail(path, "error.path.missing")
            return nil
        }
        return read(&self, value, path)
    }

    /// An optional member: `nil` when absent (or invalid, which is recorded).
    mutating func optional<T>(_ object: JSONObject, _ key: String, at parent: JSONPath, _ read: Read<T>) -> T? {
        guard let value = SchemaReader.member(object, key) else { return nil }
        return read(&self, value, parent / key)
    }

    // MARK: - Scalars

    mutating func object(_ value: JSONValue, at path: JSONPath) -> JSONObject? {
        guard case .object(let object) = value else {
            fail(path, "error.expected.jsobject")
            return nil
        }
        return object
    }

    mutating func string(_ value: JSONValue, at path: JSONPath) -> String? {
        guard case .string(let string) = value else {
            fail(path, "error.expected.jsstring")
            return nil
        }
        return string
    }

    mutating func bool(_ value: JSONValue, at path: JSONPath) -> Bool? {
        guard case .bool(let bool) = value else {
            fail(path, "error.expected.jsboolean")
            return nil
        }
        return bool
    }

    /// A double (RAML `number`), optionally bounded.
    mutating func double(_ value: JSONValue, at path: JSONPath, min: Double? = nil, max: Double? = nil) -> Double? {
        guard case .number(let number) = value, number.doubleValue.isFinite else {
            fail(path, "error.expected.jsnumber")
            return nil
        }
        let double = number.doubleValue
        var valid = true
        if let max, double > max { fail(path, "error.max"); valid = false }
        if let min, double < min { fail(path, "error.min"); valid = false }
        return valid ? double : nil
    }

    /// A 32-bit integer (RAML `integer`, format `int32`), optionally bounded.
    mutating func int(_ value: JSONValue, at path: JSONPath, min: Int? = nil, max: Int? = nil) -> Int? {
        guard case .number(let number) = value else {
            fail(path, "error.expected.jsnumber")
            return nil
        }
        guard let int = number.int32Value.map(Int.init) else {
            fail(path, "error.expected.int")
            return nil
        }
        var valid = true
        if let max, int > max { fail(path, "error.max"); valid = false }
        if let min, int < min { fail(path, "error.min"); valid = false }
        return valid ? int : nil
    }

    /// A 64-bit integer (RAML `integer`, format `int64`), optionally bounded below.
    mutating func long(_ value: JSONValue, at path: JSONPath, min: Int64? = nil) -> Int64? {
        guard case .number(let number) = value else {
            fail(path, "error.expected.jsnumber")
            return nil
        }
        guard let long = number.int64Value else {
            fail(path, "error.expected.long")
            return nil
        }
        if let min, long < min {
            fail(path, "error.min")
            return nil
        }
        return long
    }

    /// A string with RAML facets. Lengths count UTF-16 units like Java's `String.length`.
    mutating func string(_ value: JSONValue, at path: JSONPath, minLength: Int? = nil, maxLength: Int? = nil,
                         pattern: ((String) -> Bool)? = nil) -> String? {
        guard let string = string(value, at: path) else { return nil }
        let length = string.utf16.count
        var valid = true
        if let maxLength, length > maxLength { fail(path, "error.maxLength"); valid = false }
        if let minLength, length < minLength { fail(path, "error.minLength"); valid = false }
        if let pattern, !pattern(string) { fail(path, "error.pattern"); valid = false }
        return valid ? string : nil
    }

    /// RAML `Name`: 1–63 characters of `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
    mutating func name(_ value: JSONValue, at path: JSONPath) -> String? {
        string(value, at: path, minLength: 1, maxLength: 63, pattern: TextPatterns.isName)
    }

    /// RAML `Path` / `Uri`: 1–1024 characters.
    mutating func path(_ value: JSONValue, at path: JSONPath) -> String? {
        string(value, at: path, minLength: 1, maxLength: 1024)
    }

    /// An enum value, matched case-insensitively against the raw values.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ value: JSONValue, at path: JSONPath,
                                                                   as type: E.Type = E.self) -> E?
        where E.RawValue == String
    {
        guard let string = string(value, at: path) else { return nil }
        let lowered = string.lowercased()
        guard let match = E.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else {
            fail(path, "error.unknown.enum.literal")
            return nil
        }
        return match
    }

    // MARK: - Collections

    /// An array; `minItems`/`maxItems` fail with `error.minLength`/`error.maxLength`, checked
    /// only when every element read.
    mutating func list<T>(_ value: JSONValue, at path: JSONPath, minItems: Int? = nil, maxItems: Int? = nil,
                          _ element: Read<T>) -> [T]? {
        guard case .array(let elements) = value else {
            fail(path, "error.expected.jsarray")
            return nil
        }
        var result: [T] = []
        var failed = false
        for (index, item) in elements.enumerated() {
            if let read = element(&self, item, path.at(index)) {
                result.append(read)
            } else {
                failed = true
            }
        }
        guard !failed else { return nil }
        var valid = true
        if let maxItems, result.count > maxItems { fail(path, "error.maxLength"); valid = false }
        if let minItems, result.count < minItems { fail(path, "error.minLength"); valid = false }
        return valid ? result : nil
    }

    /// A JSON object read as a map; a failing `keyPattern` gives `error.pattern` at
    /// `<path>/<key>`, checked only when every value read.
    mutating func map<T>(_ value: JSONValue, at path: JSONPath, keyPattern: ((String) -> Bool)? = nil,
                         _ element: Read<T>) -> [String: T]? {
        guard let object = object(value, at: path) else { return nil }
        var result: [String: T] = [:]
        var failed = false
        for member in object.members {
            if let read = element(&self, member.value, path / member.key) {
                result[member.key] = read
            } else {
                failed = true
            }
        }
        guard !failed else { return nil }
        if let keyPattern {
            for key in object.keys where !keyPattern(key) {
                fail(path / key, "error.pattern")
                failed = true
            }
        }
        return failed ? nil : result
    }

    /// Labels: a map of strings.
    mutating func labels(_ value: JSONValue, at path: JSONPath) -> [String: String]? {
        map(value, at: path) { $0.string($1, at: $2) }
    }

    /// Runs `read` without recording its errors; returns its result (`nil` if it failed)
    /// and the reader holding the errors it would have recorded.
    mutating func attempt<T>(_ value: JSONValue, at path: JSONPath, _ read: Read<T>) -> (T?, SchemaReader) {
        var trial = SchemaReader()
        let result = read(&trial, value, path)
        return (trial.hasErrors ? nil : result, trial)
    }
}
