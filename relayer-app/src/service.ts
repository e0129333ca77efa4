// A long-running part of the relayer (listener, informer, gateway) that main.ts starts and stops on SIGTERM.
export interface ManagedService {
    name: string;
    start(): Promise<void>;
    /** Stop accepting work, finish in-flight work until `deadline` (epoch ms), release resources. */
    stop(deadline: number): Promise<void>;
}
