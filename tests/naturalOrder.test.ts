import * as assert from "assert";
import { naturalOrder } from "../handlers/naturalOrder";

describe("servers in the order a person counts them", () => {
    it("puts web-2 before web-10, and web-9 before web-10", () => {
        assert.deepStrictEqual(["web-10", "web-2", "web-1", "web-9", "web-11"].sort(naturalOrder), ["web-1", "web-2", "web-9", "web-10", "web-11"]);
    });

    it("orders by each number in the name, then by the text around it", () => {
        assert.deepStrictEqual(["az2-web-10", "az10-web-1", "az2-web-3", "db-1", "az2-web"].sort(naturalOrder), ["az2-web", "az2-web-3", "az2-web-10", "az10-web-1", "db-1"]);
    });

    it("orders instance ids, numbers too long for a Number and names without numbers the same way in every locale", () => {
        assert.deepStrictEqual(["i-0000000000000000b", "i-0000000000000000a", "web-b", "Web-a", "n-99999999999999999999", "n-100000000000000000000"].sort(naturalOrder),
            ["Web-a", "i-0000000000000000a", "i-0000000000000000b", "n-99999999999999999999", "n-100000000000000000000", "web-b"]);
    });

    it("keeps names that write the same number apart in a fixed order", () => {
        assert.deepStrictEqual(["web-2", "web-02", "web-1"].sort(naturalOrder), ["web-1", "web-02", "web-2"]);
        assert.strictEqual(naturalOrder("web-2", "web-2"), 0);
    });
});
