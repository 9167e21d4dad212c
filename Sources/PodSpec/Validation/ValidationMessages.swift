import Primitives

/// Marathon's validation messages, verbatim (typos included: they are part of the API).
enum ValidationMessages {
    static let endpointNamesUnique = "endpoint names nust be unique across all containers"
    static let containerPortsUnique = "container ports must be unique across all containers"
    static let hostPortsUnique = "host ports must be unique across all containers"
    static let volumeNamesUnique = "volume names must be unique"
    static let containerNamesUnique = "container names must be unique"
    static let volumeMustBeReferenced = "volume must be referenced by at least one container"
    static let secretVolumeMustReferenceSecret = "volume.secret must refer to an existing secret"
    static let pullConfigMustReferenceSecret = "pullConfig.secret must refer to an existing secret"
    static let mountedVolumeMustExist = "Referenced Volume in VolumeMount should exist"
    static let mustBeEmpty = "must be empty"
    static let mustNotBeEmpty = "must not be empty"
    static let secretsFeatureDisabled = "Feature secrets is not enabled. Enable with --enable_features secrets)"
    static let secretRefsNeedFeature = "use of secret-references in the environment requires the secrets feature to be enabled"
    static let undefinedSecret = "references an undefined secret"
    static let hostNetworkNamesOrLabels = "Host networks may not have names or labels"
    static let bridgeNetworkNames = "Bridge networks may not have names"
    static let duplicateNetworks = "Duplicate networks are not allowed"
    static let networkModes = "May specify a single host network, single bridge network, or else 1-to-n container networks"
    static let networkNameRequired = "Network name must be specified when container network is selected."
    static let containerPortRequired = "is required when using container-mode networking"
    static let containerPortForbidden = "is not allowed when using host-mode networking"
    static let duplicateProtocols = "Duplicate protocols within the same endpoint are not allowed"
    static let networkNameForHostPort =
        "networkNames must be a single item list when hostPort is specified and more than 1 container network is defined"
    static let endpointOfContainer = "contained in the container endpoints"
    static let oneHealthCheckKind = "Only one of http, tcp, or command may be specified"
    static let seccompProfileAndUnconfined = "Seccomp unconfined can NOT be true when Profile is defined"
    static let seccompNeitherProfileNorUnconfined = "Seccomp unconfined must be true when Profile is NOT defined"
    static let seccompOnExecutor = "Seccomp configuration on executor level is not supported"
    static let shmSizeWithShareParent = "ipcInfo shmSize can NOT be set when mode is SHARE_PARENT"
    static let limitsWithSharedCgroups = "resourceLimits cannot be defined if legacySharedCgroups is enabled"
    static let residentUnreachable = "unreachableStrategy must be disabled for pods with persistent volumes"
    static let residentAcceptedRoles = "A resident pod must have `acceptedResourceRoles = [\"*\"]`."
    static let residentUnreservedRole = "Resident pods cannot have the role *"
    // Ours (docs/pod-lifecycle.md), not Marathon's.
    static let restartExitCodesUnique = "successExitCodes must be unique"
    static let restartWithSecrets =
        "restart policies other than Never are not supported for pods that use secrets (the secret values are fetched once, at launch)"
    static let dependsOnUnknown = "must name another container of the pod"
    static let dependsOnCycle = "dependsOn must not form a cycle"
    static let dependsOnHealthy = "condition HEALTHY needs a healthCheck on the container it names"
    static let dependsOnReady = "condition READY needs a readinessCheck on the container it names"
    static let dependsOnWithSecrets =
        "dependsOn is not supported for pods that use secrets (the secret values are fetched once, at launch)"
    static let constraintField = "missing field for constraint declaration"
    static let constraintUnique = "UNIQUE does not accept a value"
    static let constraintGroupBy = "GROUP BY must define an integer value or else no value at all"
    static let constraintMaxPer = "MAX_PER requires an integer value"
    static let constraintLike = "LIKE and UNLIKE require a non-empty, regular expression value"
    static let constraintRegex = "is not a valid regular expression"
    static let constraintIs =
        "IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"

    static func limitBelowRequest(_ request: Double) -> String {
        "resource limit must be greater than or equal to requested resource (\(JSONNumber.javaString(request)))"
    }

    static func notOneOf(_ options: [String]) -> String {
        "is not one of (\(options.joined(separator: ",")))"
    }

    static func roleChange(from old: String, to new: String) -> String {
        "It is not possible to change the role for existing reservations. If you proceed with this change, all "
            + "existing instances will continue to run under the previous role, \(old). Only new instances will be "
            + "allocated with the new role, \(new). In order to continue, retry your request with ?force=true"
    }

    /// wix-accord's `should be >=` wording: `got -1.0, expected 0.0 or more`.
    static func atLeast(_ value: Double, _ bound: Double) -> String {
        "got \(JSONNumber.javaString(value)), expected \(JSONNumber.javaString(bound)) or more"
    }

    static func atLeast(_ value: Int, _ bound: Int) -> String {
        "got \(value), expected \(bound) or more"
    }

    /// `should be <=`.
    static func atMost(_ value: Double, _ bound: Double) -> String {
        "got \(JSONNumber.javaString(value)), expected \(JSONNumber.javaString(bound)) or less"
    }

    /// `should be <`.
    static func lessThan(_ value: Int, _ bound: Int) -> String {
        "got \(value), expected less than \(bound)"
    }

    /// `is between(a, b)`.
    static func between(_ value: Double, _ low: Double, _ high: Double) -> String {
        "got \(JSONNumber.javaString(value)), expected between \(JSONNumber.javaString(low)) and \(JSONNumber.javaString(high))"
    }

    /// `should be ==`.
    static func equalTo(_ value: Double, _ expected: Double) -> String {
        "got \(JSONNumber.javaString(value)), expected \(JSONNumber.javaString(expected))"
    }

    /// `is in(…)`.
    static func oneOf(_ value: String, _ options: [String]) -> String {
        "got \(value), expected one of: [\(options.joined(separator: ", "))]"
    }
}
