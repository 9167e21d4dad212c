/// The pod definitions of `shared/seeds/marathon-pods.md`, verbatim (the documentation of
/// Marathon pods), including their mistakes.
public enum SeedPods {
    public static let quickStart = #"""
    {
       "id": "/simplepod",
       "scaling": { "kind": "fixed", "instances": 1 },
       "containers": [
         {
           "name": "sleep1",
           "exec": { "command": { "shell": "sleep 1000" } },
           "resources": { "cpus": 0.1, "mem": 32 }
         }
       ],
       "networks": [ {"mode": "host"} ]
    }
    """#

    public static let privateImage = #"""
    {
        "id": "/simple-pod",
        "scaling": {
            "kind": "fixed",
            "instances": 1
        },
        "containers": [{
            "name": "container0",
            "exec": {
                "command": {
                    "shell": "sleep 1000"
                }
            },
            "image": {
                "kind": "DOCKER",
                "id": "company/private-image",
                "pullConfig": {
                    "secret": "configSecret"
                }
            },
            "resources": {
                "cpus": 1,
                "mem": 50.0
            }
        }],
        "secrets": {
            "configSecret": {
                "source": "/config"
            }
        }
    }
    """#

    public static let sampleResponse14 = #"""
    {
        "containers": [
            {
                "artifacts": [],
                "endpoints": [],
                "environment": {},
                "exec": {
                    "command": {
                        "shell": "sleep 1000"
                    }
                },
                "healthCheck": null,
                "image": null,
                "labels": {},
                "lifecycle": null,
                "name": "sleep1",
                "resources": {
                    "cpus": 0.1,
                    "disk": 0,
                    "gpus": 0,
                    "mem": 32
                },
                "user": null,
                "volumeMounts": []
            }
        ],
        "environment": {},
        "id": "/simplepod2",
        "labels": {},
        "networks": [
            {
                "labels": {},
                "mode": "host",
                "name": null
            }
        ],
        "scaling": {
            "instances": 2,
            "kind": "fixed",
            "maxInstances": null
        },
        "scheduling": {
            "backoff": {
                "backoff": 1,
                "backoffFactor": 1.15,
                "maxLaunchDelay": 3600
            },
            "placement": {
                "acceptedResourceRoles": [],
                "constraints": []
            },
            "upgrade": {
                "maximumOverCapacity": 1,
                "minimumHealthCapacity": 1
            }
        },
        "secrets": {},
        "user": null,
        "volumes": []
    }
    """#

    public static let multipleContainers = #"""
    {
      "id": "/pod-with-multiple-containers",
      "labels": {
        "values": {}
      },
      "containers": [
        {
          "name": "sleep1",
          "exec": {
            "command": {
              "shell": "sleep 1000"
            }
          },
          "resources": {
            "cpus": 0.1,
            "mem": 32,
            "disk": 0,
            "gpus": 0
          }
        },
        {
          "name": "sleep2",
          "exec": {
            "command": {
              "shell": "sleep 1000"
            }
          },
          "resources": {
            "cpus": 0.1,
            "mem": 32,
            "disk": 0,
            "gpus": 0
          }
        },
        {
          "name": "sleep3",
          "exec": {
            "command": {
              "shell": "sleep 1000"
            }
          },
          "resources": {
            "cpus": 0.1,
            "mem": 32,
            "disk": 0,
            "gpus": 0
          }
        }
      ],
      "networks": [
        {
          "mode": "host"
        }
      ],
      "scaling": {
        "kind": "fixed",
        "instances": 10
      },
      "scheduling": {
        "backoff": {
          "backoff": 1,
          "backoffFactor": 1.15,
          "maxLaunchDelay": 3600
        },
      "upgrade": {
          "minimumHealthCapacity": 1,
          "maximumOverCapacity": 1
        }
      }
    }
    """#

    public static let ephemeralVolume = #"""
    {
      "id": "/with-ephemeral-vol",
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [
        {
          "name": "ct1",
          "resources": {
            "cpus": 0.1,
            "mem": 32
          },
          "exec": { "command": { "shell": "while true; do echo the current time is $(date) > ./jdef-v1/clock; sleep 1; done" } },
          "volumeMounts": [
            {
              "name": "v1",
              "mountPath": "jdef-v1"
            }
          ]
        },
        {
          "name": "ct2",
          "resources": {
            "cpus": 0.1,
            "mem": 32
          },
          "exec": { "command": { "shell": "while true; do cat ./etc/clock; sleep 1; done" } },
          "volumeMounts": [
            {
              "name": "v1",
              "mountPath": "etc"
            }
          ]
        }
      ],
      "networks": [
        { "mode": "host" }
      ],
      "volumes": [
        { "name": "v1" }
      ]
    }
    """#

    public static let virtualNetwork = #"""
    {
      "id": "/pod-with-virtual-network",
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [
        {
          "name": "sleep1",
          "exec": { "command": { "shell": "sleep 1000" } },
          "resources": { "cpus": 0.1, "mem": 32 }
        }
      ],
      "networks": [ { "mode": "container", "name": "my-virtual-network-name" } ]
    }
    """#

    public static let endpoint = #"""
    {
      "id": "/pod-with-endpoint",
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [
        {
          "name": "sleep1",
          "exec": { "command": { "shell": "sleep 1000" } },
          "resources": { "cpus": 0.1, "mem": 32 },
          "endpoints": [ { "name": "web", "containerPort": 80, "protocol": [ "http" ] } ]
        }
      ],
      "networks": [ { "mode": "container", "name": "my-virtual-network-name" } ]
    }
    """#

    public static let healthCheck = #"""
    {
      "id": "/pod-with-healthcheck",
      "scaling": { "kind": "fixed", "instances": 1 },
      "containers": [
        {
          "name": "sleep1",
          "exec": { "command": { "shell": "sleep 1000" } },
          "resources": { "cpus": 0.1, "mem": 32 },
          "image": {
            "id": "nginx",
            "kind": "DOCKER"
          },
          "endpoints": [ { "name": "web", "containerPort": 80, "protocol": [ "http" ] } ],
          "healthCheck": { "http": { "endpoint": "web", "path": "/ping" } }
        }
      ],
      "networks": [ { "mode": "container", "name": "my-virtual-network-name" } ]
    }
    """#

    public static let comprehensive = #"""
    {
      "id": "/complete-pod",
      "labels": {
        "owner": "zeus",
        "note": "Away from olympus"
      },
      "environment": {
        "XPS1": "Test"
      },
      "volumes": [
        {
          "name": "etc",
          "host": "/hdd/tools/docker/registry"
        }
      ],
      "networks": [
        {
          "mode": "host"
        }
      ],
      "scaling": {
        "kind": "fixed",
        "instances": 1
      },
      "scheduling": {
        "backoff": {
          "backoff": 1,
          "backoffFactor": 1.15,
          "maxLaunchDelay": 3600
        },
        "upgrade": {
          "minimumHealthCapacity": 1,
          "maximumOverCapacity": 1
        }
      },
      "containers": [
        {
          "name": "container1",
          "exec": {
            "command": {
              "shell": "sleep 100"
            },
            "overrideEntrypoint": false
          },
          "resources": {
            "cpus": 1,
            "mem": 128,
            "disk": 0,
            "gpus": 0
          },
          "endpoints": [
            {
              "name": "http-endpoint",
              "containerPort": 80,
              "hostPort": 0,
              "protocol": [ "http" ],
            }
          ],
          "image": {
            "id": "mesosphere/marathon:latest",
            "kind": "DOCKER",
            "forcePull": false
          },
          "environment": {
            "XPS1": "Test"
          },
          "user": "root",
          "healthCheck": {
            "gracePeriodSeconds": 30,
            "intervalSeconds": 2,
            "maxConsecutiveFailures": 3,
            "timeoutSeconds": 20,
            "delaySeconds": 2,
            "http": {
              "path": "/health",
              "scheme": "HTTP",
              "endpoint": "http-endpoint"
            }
          },
          "volumeMounts": [
            {
              "name": "env",
              "mountPath": "/mnt/etc",
              "readOnly": true
            }
          ],
          "artifacts": [
            {
              "uri": "https://foo.com/archive.zip",
              "executable": false,
              "extract": true,
              "cache": true,
              "destPath": "/path/to/archive.zip"
            }
          ],
          "labels": {
            "owner": "zeus",
            "note": "Away from olympus"
          },
          "lifecycle": {
            "killGracePeriodSeconds": 60
          }
        }
      ]
    }
    """#
}
