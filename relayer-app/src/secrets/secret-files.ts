// Reader for the mounted secret files in RELAYER_SECRETS_DIR. Kubernetes updates secret volumes by swapping a
// `..data` symlink, so a file's identity (inode, size, mtime) is checked on every read and the content is
// re-read when it changed: a rotated credential is used at the next connection attempt without a restart.
import * as fs from "node:fs";
import * as path from "node:path";

interface CachedFile {
    signature: string;
    value: string;
}

export class SecretFiles {
    private readonly cache = new Map<string, CachedFile>();
    private readonly listeners: ((name: string) => void)[] = [];
    private timer: NodeJS.Timeout | undefined;

    constructor(readonly dir: string) {}

    /** Current trimmed content of secret file `name`, or undefined when it is missing or empty. */
    read(name: string): string | undefined {
        if (!/^[a-z0-9.-]+$/.test(name)) throw new Error(`invalid secret file name "${name}"`);
        const file = path.join(this.dir, name);
        let stat: fs.Stats;
        try {
            stat = fs.statSync(file); // follows the ..data symlink
        } catch {
            if (this.cache.delete(name)) this.notify(name);
            return undefined;
        }
        const signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
        const cached = this.cache.get(name);
        if (cached && cached.signature === signature) return cached.value || undefined;
        let value: string;
        try {
            value = fs.readFileSync(file, "utf8").trim();
        } catch {
            return undefined;
        }
        this.cache.set(name, { signature, value });
        // Whoever notices first (a reader or the poll) reports the change, exactly once per change.
        if (cached && cached.value !== value) this.notify(name);
        return value || undefined;
    }

    /**
     * Make the next `read(name)` read the file's content whatever its identity says (after the backend refused
     * the credentials: a same-size rewrite within one mtime tick is invisible to the identity check). The old
     * value is kept so a change is still reported once.
     */
    forget(name: string): void {
        const cached = this.cache.get(name);
        if (cached) cached.signature = "";
    }

    /** Call `listener(name)` when a file that was read before changes or disappears (noticed on read or by a poll). */
    onChange(listener: (name: string) => void, intervalMs = 5000): void {
        this.listeners.push(listener);
        if (this.timer) return;
        this.timer = setInterval(() => this.poll(), intervalMs);
        this.timer.unref();
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }

    private poll(): void {
        for (const name of [...this.cache.keys()]) this.read(name);
    }

    private notify(name: string): void {
        for (const listener of this.listeners) listener(name);
    }
}
