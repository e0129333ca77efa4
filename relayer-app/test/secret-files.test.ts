// Secret files: re-read when they change (Kubernetes ..data symlink swap or in-place rewrite), change reported
// once, and `forget` forcing a real re-read even when the file's identity did not change.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretFiles } from "../src/secrets/secret-files";

describe("secret files", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-secretfiles-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("follows a Kubernetes-style ..data symlink swap and reports the change once", () => {
        fs.mkdirSync(path.join(dir, "v1"));
        fs.writeFileSync(path.join(dir, "v1", "cluster-token"), "fake-first\n");
        fs.symlinkSync("v1", path.join(dir, "..data"));
        fs.symlinkSync(path.join("..data", "cluster-token"), path.join(dir, "cluster-token"));
        const secrets = new SecretFiles(dir);
        const changes: string[] = [];
        secrets.onChange((name) => changes.push(name), 60_000);
        try {
            assert.equal(secrets.read("cluster-token"), "fake-first");
            fs.mkdirSync(path.join(dir, "v2"));
            fs.writeFileSync(path.join(dir, "v2", "cluster-token"), "fake-second-value");
            fs.symlinkSync("v2", path.join(dir, "..data.tmp"));
            fs.renameSync(path.join(dir, "..data.tmp"), path.join(dir, "..data"));
            assert.equal(secrets.read("cluster-token"), "fake-second-value");
            assert.equal(secrets.read("cluster-token"), "fake-second-value");
            assert.deepEqual(changes, ["cluster-token"]);
            assert.equal(secrets.read("missing-file"), undefined);
        } finally {
            secrets.stop();
        }
    });

    it("forget() re-reads a file rewritten in place with the same size and mtime", () => {
        const file = path.join(dir, "cluster-token");
        fs.writeFileSync(file, "fake-token-aaaa");
        const stamp = new Date("2026-01-01T00:00:00Z");
        fs.utimesSync(file, stamp, stamp);
        const secrets = new SecretFiles(dir);
        const changes: string[] = [];
        secrets.onChange((name) => changes.push(name), 60_000);
        try {
            assert.equal(secrets.read("cluster-token"), "fake-token-aaaa");
            fs.writeFileSync(file, "fake-token-bbbb"); // same inode, same size
            fs.utimesSync(file, stamp, stamp); // and the same mtime: identity unchanged
            assert.equal(secrets.read("cluster-token"), "fake-token-aaaa", "identity unchanged: the cached value is served");
            secrets.forget("cluster-token");
            assert.equal(secrets.read("cluster-token"), "fake-token-bbbb");
            assert.deepEqual(changes, ["cluster-token"]);
        } finally {
            secrets.stop();
        }
    });
});
