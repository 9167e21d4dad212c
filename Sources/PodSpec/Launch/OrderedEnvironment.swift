import MesosProtocol

/// Environment variables in first-seen order where a later value for the same name
/// replaces the earlier one in place.
struct OrderedEnvironment {
    enum Value {
        case plain(String)
        case secret(Mesos_V1_Secret)
    }

    private(set) var names: [String] = []
    private var values: [String: Value] = [:]

    mutating func set(_ name: String, _ value: Value) {
        if values.updateValue(value, forKey: name) == nil { names.append(name) }
    }

    mutating func set(_ name: String, _ value: String) {
        set(name, .plain(value))
    }

    var variables: [Mesos_V1_Environment.Variable] {
        names.compactMap { name in
            guard let value = values[name] else { return nil }
            var variable = Mesos_V1_Environment.Variable()
            variable.name = name
            switch value {
            case .plain(let text):
                variable.type = .value
                variable.value = text
            case .secret(let secret):
                variable.type = .secret
                variable.secret = secret
            }
            return variable
        }
    }
}
