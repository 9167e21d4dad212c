extension PodDefinition {
    /// `executorResources` plus the resources of every container.
    public var resourceAsk: ResourceAsk {
        containers.reduce(into: ResourceAsk(cpus: executorResources.cpus, mem: executorResources.mem,
                                            disk: executorResources.disk, gpus: 0)) { total, container in
            total.cpus += container.resources.cpus
            total.mem += container.resources.mem
            total.disk += container.resources.disk
            total.gpus += container.resources.gpus
        }
    }

    /// The endpoints that need host ports (those with a `hostPort`), in container order.
    public var hostPortRequests: [HostPortRequest] {
        containers.flatMap { container in
            container.endpoints.compactMap { endpoint in
                endpoint.hostPort.map {
                    HostPortRequest(containerName: container.name, endpointName: endpoint.name, port: $0)
                }
            }
        }
    }
}
