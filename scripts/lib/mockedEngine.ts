import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";
import { MockedCloud } from "./mockedCloud";

/**
 * Runs the program against `cloud` as pulumi.runtime.setMocks does, and plays more parts of the
 * engine: it records what each registration waits on (RegisteredResource.dependencies) and whether
 * it is protected (RegisteredResource.protect), the aliases it carries, and it knows the resources a remote component made, so that the references in the component's outputs
 * (awsx's Vpc.routes) resolve as they do in a deployment.
 */
export async function setMockedEngine(cloud: MockedCloud, project: string, stack: string): Promise<void> {
    await pulumi.runtime.setMocks(cloud, project, stack, false);
    const monitor = getMonitor() as unknown as MockMonitor;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        registerResource(req, (err, response) => {
            if (!err) {
                cloud.registered({ type: req.getType(), name: req.getName(), id: response.getId(), urn: response.getUrn(), dependencies: req.getDependenciesList(), protect: req.getProtect() ?? false, aliases: req.getAliasesList().map((a: { toObject(): unknown }) => a.toObject()) });
                for (const child of cloud.componentChildren) monitor.resources.set(child.urn, child);
            }
            callback(err, response);
        });
}
