// The orchestrator's handle on a child process (publisher or consumer): start, request, stop.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

export class Child {
  #proc;
  #nextId = 1;
  #pending = new Map();
  #exited;

  constructor(script, args, { cpuProfDir } = {}) {
    const execArgv = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
    // BENCH_NODE_ARGS: extra Node/V8 flags for the children (e.g. --trace-gc while looking into memory)
    if (process.env.BENCH_NODE_ARGS) execArgv.push(...process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean));
    this.name = `${script.replace(/\.mjs$/, '')}:${args.mode}`;
    this.#proc = fork(here(`./${script}`), [JSON.stringify(args)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#exited = new Promise((resolve) => this.#proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready within 60 s`)), 60_000);
      this.#proc.on('message', (m) => {
        if (m?.ready) {
          clearTimeout(timer);
          resolve(m);
        } else if (m?.fatal) {
          clearTimeout(timer);
          reject(new Error(`${this.name} failed to start: ${m.fatal}`));
        } else if (m?.id !== undefined) {
          const p = this.#pending.get(m.id);
          if (!p) return;
          this.#pending.delete(m.id);
          clearTimeout(p.timer);
          if (m.ok) p.resolve(m.result);
          else p.reject(new Error(`${this.name}: ${m.error}`));
        }
      });
      void this.#exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready`));
        for (const p of this.#pending.values()) p.reject(new Error(`${this.name} exited (${code ?? signal})`));
        this.#pending.clear();
      });
    });
  }

  /** Sends a command and resolves with the child's result. */
  request(cmd, payload = {}, timeoutMs = 120_000) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#proc.send({ id, cmd, ...payload });
    });
  }

  /** Asks the child to close its connections, then lets it exit (killed if it does not within 15 s). */
  async stop() {
    let result;
    try {
      if (this.#proc.connected) result = await this.request('exit', {}, 15_000);
    } finally {
      if (this.#proc.connected) this.#proc.disconnect();
      const killer = setTimeout(() => this.#proc.kill('SIGKILL'), 15_000);
      await this.#exited;
      clearTimeout(killer);
    }
    return result;
  }

  kill() {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
    return this.#exited;
  }
}
