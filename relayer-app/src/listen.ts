// Start an HTTP server on host:port, rejecting (instead of emitting an unhandled 'error') when the port is taken.
import type * as http from "node:http";

export function listen(server: http.Server, port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
}
