/// Canned Marathon documents (shapes from docs/reference/marathon-pods-api.md §9, §11, §12.7, §13, §5).
enum Fixtures {
    static let deploymentID = "97c136bf-5a28-4821-9d94-480d9fbb01c8"
    static let instance1 = "web.instance-0a1b2c3d-7400-11ea-bc55-0242ac130003"
    static let instance2 = "web.instance-1b2c3d4e-7400-11ea-bc55-0242ac130003"

    /// What a user writes.
    static let podDefinition = """
        {
          "id": "/web",
          "scaling": {"kind": "fixed", "instances": 2},
          "containers": [{"name": "nginx", "resources": {"cpus": 0.1, "mem": 32},
                          "image": {"kind": "DOCKER", "id": "nginx"},
                          "endpoints": [{"name": "http", "hostPort": 0}]}],
          "networks": [{"mode": "host"}]
        }
        """

    /// What the server answers (normalized, with a version).
    static let podResponse = """
        {"id":"/web","version":"2020-04-01T12:00:00.000Z","scaling":{"kind":"fixed","instances":2},\
        "containers":[{"name":"nginx","resources":{"cpus":0.1,"mem":32.0,"disk":0.0,"gpus":0},\
        "image":{"kind":"DOCKER","id":"nginx"},"endpoints":[{"name":"http","hostPort":0,"protocol":["tcp"]}]}],\
        "networks":[{"mode":"host"}],"role":"*"}
        """

    /// `/web`: one STABLE instance with a healthy checked endpoint and one DEGRADED
    /// (unhealthy) instance; 2 wanted.
    static let webStatus = """
        {"id":"/web","spec":\(podResponse),"status":"DEGRADED","statusSince":"2020-04-01T12:00:05.123456Z",
         "instances":[
          {"id":"\(instance1)","status":"STABLE","statusSince":"2020-04-01T12:00:05.123Z","conditions":[],
           "agentHostname":"agent-1.example","agentId":"4f1b-S2","resources":{"cpus":0.2,"mem":64,"disk":10,"gpus":0},
           "networks":[{"addresses":["10.0.1.7"]}],
           "containers":[{"name":"nginx","status":"TASK_RUNNING","statusSince":"2020-04-01T12:00:05.100Z",
             "containerId":"\(instance1).nginx.1",
             "conditions":[{"name":"healthy","value":"true","reason":"health-reported-by-mesos"}],
             "endpoints":[{"name":"http","allocatedHostPort":31000,"healthy":true}]}],
           "specReference":"/v2/pods/web::versions/2020-04-01T12:00Z","localVolumes":[],"role":"*"},
          {"id":"\(instance2)","status":"DEGRADED","message":"at least one container is not healthy",
           "statusSince":"2020-04-01T12:00:06Z","conditions":[],
           "agentHostname":"agent-2.example","agentId":"4f1b-S3",
           "networks":[{"name":"dcos","addresses":["9.0.0.2","9.0.0.3"]}],
           "containers":[{"name":"nginx","status":"TASK_RUNNING","statusSince":"2020-04-01T12:00:06Z",
             "conditions":[{"name":"healthy","value":"false","reason":"health-reported-by-mesos"}],
             "endpoints":[{"name":"http","allocatedHostPort":31001,"healthy":false}]}],
           "specReference":"/v2/pods/web::versions/2020-04-01T12:00Z","localVolumes":[],"role":"*"}],
         "terminationHistory":[],"lastUpdated":"2020-04-01T12:00:09.999Z","lastChanged":"2020-04-01T12:00:05.123Z"}
        """

    /// `/db`: scaled to 0, no instances, STABLE.
    static let dbStatus = """
        {"id":"/batch/db","spec":{"id":"/batch/db","scaling":{"kind":"fixed","instances":0},"containers":[]},
         "status":"STABLE","statusSince":"2020-04-02T08:30:00+02:00","instances":[],"terminationHistory":[],
         "lastUpdated":"2020-04-02T08:30:00Z","lastChanged":"2020-04-02T08:30:00Z"}
        """

    /// A status with `count` of 2 instances running (for `--wait` progress).
    static func webStatus(running count: Int) -> String {
        let instances = (0..<count).map { index in
            """
            {"id":"web.instance-\(index)a1b2c3d-7400-11ea-bc55-0242ac130003","status":"STABLE",\
            "statusSince":"2020-04-01T12:00:05Z","containers":[{"name":"nginx","status":"TASK_RUNNING"}]}
            """
        }
        let status = count >= 2 ? "STABLE" : "DEGRADED"
        return """
            {"id":"/web","spec":{"id":"/web","scaling":{"instances":2}},"status":"\(status)",\
            "instances":[\(instances.joined(separator: ","))],"terminationHistory":[]}
            """
    }

    static func deployments(_ ids: String...) -> String {
        let documents = ids.map { id in
            """
            {"id":"\(id)","version":"2020-04-01T12:00:00.000Z","affectedApps":[],"affectedPods":["/web"],\
            "steps":[{"actions":[{"action":"StartPod","pod":"/web"}]},{"actions":[{"action":"ScalePod","pod":"/web"}]}],\
            "currentActions":[{"action":"ScalePod","pod":"/web","readinessCheckResults":[]}],"currentStep":2,"totalSteps":2}
            """
        }
        return "[" + documents.joined(separator: ",") + "]"
    }

    static func instance(_ id: String) -> String {
        """
        {"instanceId":"\(id)","agentInfo":{"host":"agent-1.example","agentId":"4f1b-S2","attributes":[]},\
        "runSpecVersion":"2020-04-01T12:00:00.000Z","state":{"condition":"Killing","since":"2020-04-01T12:01:00.000Z",\
        "goal":"Running"},"unreachableStrategy":{"inactiveAfterSeconds":0,"expungeAfterSeconds":0}}
        """
    }

    static let invalidPod = """
        {"message":"Object is not valid","details":[\
        {"path":"/containers(0)/resources/cpus","errors":["got 0.0, expected more than 0.0"]},\
        {"path":"/id","errors":["must fully match regular expression 'x'","must not be empty"]}]}
        """

    static let locked = """
        {"message":"App is locked by one or more deployments. Override with the option '?force=true'. \
        View details at '/v2/deployments/<DEPLOYMENT_ID>'.","deployments":[{"id":"\(deploymentID)"}]}
        """

    static let unknownPodQuirk = #"{"message":"{\"message\": \"pod with /nope does not exist\"}","details":[]}"#
    static let unknownPod = #"{"message":"Pod '/nope' does not exist","details":[]}"#
    static let unauthenticated = #"{"message":"Invalid username or password."}"#
}
