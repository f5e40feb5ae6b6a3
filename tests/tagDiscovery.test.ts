import * as assert from "assert";
import { mockClient } from "aws-sdk-client-mock";
import * as ec2 from "@aws-sdk/client-ec2";
import { findWebServers } from "../handlers/webServers";

describe("findWebServers", () => {
    const tagged = (id: string, name?: string): ec2.Instance => ({ InstanceId: id, Tags: [{ Key: "Role", Value: "shop-web" }, ...(name ? [{ Key: "Name", Value: name }] : [])] });
    const event = { tag: { key: "Role", value: "shop-web" }, partition: "aws-cn", region: "cn-north-1", accountId: "123456789012" };

    it("reads every page, names each server by its Name tag or its id, and sorts them by name then id", async () => {
        const stub = mockClient(ec2.EC2Client);
        try {
            stub.on(ec2.DescribeInstancesCommand)
                .resolvesOnce({ Reservations: [{ Instances: [tagged("i-0000000000000000c", "web-b"), tagged("i-0000000000000000d")] }], NextToken: "page-2" })
                .resolvesOnce({ Reservations: [{ Instances: [tagged("i-0000000000000000a", "web-a"), tagged("i-0000000000000000e", "web-b")] }, { Instances: [tagged("i-0000000000000000b", "web-c")] }] });
            const found = await findWebServers(event);
            const arn = (id: string) => `arn:aws-cn:ec2:cn-north-1:123456789012:instance/${id}`;
            assert.deepStrictEqual(found, {
                webServers: [
                    { name: "i-0000000000000000c", instanceId: "i-0000000000000000c", instanceArn: arn("i-0000000000000000c") },
                    { name: "i-0000000000000000d", instanceId: "i-0000000000000000d", instanceArn: arn("i-0000000000000000d") },
                    { name: "i-0000000000000000e", instanceId: "i-0000000000000000e", instanceArn: arn("i-0000000000000000e") },
                    { name: "web-a", instanceId: "i-0000000000000000a", instanceArn: arn("i-0000000000000000a") },
                    { name: "web-c", instanceId: "i-0000000000000000b", instanceArn: arn("i-0000000000000000b") },
                ],
            });
            const calls = stub.commandCalls(ec2.DescribeInstancesCommand).map((c) => c.args[0].input);
            const filters = [{ Name: "tag:Role", Values: ["shop-web"] }, { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }];
            assert.deepStrictEqual(calls, [{ Filters: filters, NextToken: undefined }, { Filters: filters, NextToken: "page-2" }]);
        } finally {
            stub.restore();
        }
    });
});
