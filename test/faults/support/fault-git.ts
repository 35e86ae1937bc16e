import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * What the wrapper does when it meets the call its rule names:
 * - `hold`: waits for `open()` (or for the service to be gone) before running git;
 * - `kill-before`: kills the service, and git never runs;
 * - `kill-during`: starts git, kills the service while git runs, and lets git finish alone;
 * - `kill-after`: runs git to its end, then kills the service before it reads the answer;
 * - `kill-at-request`: for a long-running helper (`cat-file --batch`), passes the service's
 *   requests to git one line at a time and kills the service instead of passing the
 *   `line`-th; git's answers go back untouched;
 * - `kill-all-at-prepare`: for `update-ref --stdin`, passes the transaction to git up to its
 *   `prepare` and, once git holds every ref's lock, kills git and the service together, as
 *   when the machine loses power: the lock files stay behind;
 * - `kill-when-remote-commits`: for `push`, runs git, and the remote's hook (see
 *   `installRemoteHook`) kills this git and the service once the remote has committed the
 *   pushed refs, before the push hears so: the remote moved, the clone's remote-tracking
 *   refs did not.
 * - `unreachable`: runs git with every local remote path rewritten to one that does not
 *   exist, so that git itself fails as with a remote that is down ("Could not read from
 *   remote repository", exit 128);
 * - `hang`: leaves a `sleep` in the background and runs git against a remote whose
 *   upload-pack and receive-pack first sleep for ten minutes: git and two processes under it
 *   hang, as with a remote that accepts the connection and never answers. Their ids are
 *   written to `hung-pids` (see `hungPids`);
 * - `hang-at-prepare`: as `kill-all-at-prepare`, but leaves git asleep with its ref locks
 *   taken instead of killing anything, as a ref transaction that never ends.
 */
export type FaultAction =
  | 'hold'
  | 'kill-before'
  | 'kill-during'
  | 'kill-after'
  | 'kill-at-request'
  | 'kill-all-at-prepare'
  | 'kill-when-remote-commits'
  | 'unreachable'
  | 'hang'
  | 'hang-at-prepare';

/**
 * Which git call to catch: `command` is git's subcommand (`fetch`, `push`, `update-ref`,
 * `cat-file`, …); `nth` counts only such calls, and `every` catches each of them; `times`
 * catches that many calls from the `nth` on.
 */
export interface FaultRule {
  command: string;
  nth: number | 'every';
  action: FaultAction;
  line?: number;
  times?: number;
}

/**
 * A `git` in front of the real one, passed to the service as `STACKYARD_GIT_BIN`, that
 * reaches a crash point inside a job step: when the armed rule's call comes, it kills the
 * service with SIGKILL: its parent, or the parent of the launcher that starts the service's
 * one-shot git commands (named by its argument `stackyard-git-launcher`). The service
 * hands git a closed environment, so the wrapper reads its rule from a file; every other
 * call, and every call before `arm`, goes straight to git.
 */
export class FaultGit {
  readonly bin: string;
  private readonly ctl: string;

  constructor(dir: string) {
    this.ctl = join(dir, 'fault-ctl');
    mkdirSync(this.ctl, { recursive: true });
    this.bin = join(dir, 'fault-git');
    writeFileSync(this.bin, wrapperScript(this.ctl));
    chmodSync(this.bin, 0o755);
  }

  /**
   * From now on the rule's call is caught, once (unless `nth` is `every`): later calls of its
   * kind run as usual. A new rule counts its calls afresh.
   */
  arm(rule: FaultRule): void {
    for (const entry of readdirSync(this.ctl))
      if (
        entry.startsWith('seen-') ||
        entry === 'fired' ||
        entry === 'hung-pids'
      )
        rmSync(join(this.ctl, entry), { recursive: true, force: true });
    writeFileSync(
      join(this.ctl, 'rule'),
      `${rule.command} ${rule.nth} ${rule.action} ${rule.line ?? 0} ${rule.times ?? 1}\n`,
    );
  }

  /** No call is caught any more. */
  disarm(): void {
    rmSync(join(this.ctl, 'rule'), { force: true });
  }

  /** Lets a held call run. */
  open(): void {
    writeFileSync(join(this.ctl, 'open'), '');
  }

  /** The arguments of the call the rule caught, or undefined while it has caught none. */
  fired(): string | undefined {
    const file = join(this.ctl, 'fired');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  }

  /** How many calls of the rule's kind have come since it was armed. */
  calls(): number {
    return readdirSync(this.ctl).filter((e) => e.startsWith('seen-')).length;
  }

  /**
   * The process ids a `hang` left: git (the wrapper became git) and the background
   * `sleep`; empty until the call has come.
   */
  hungPids(): number[] {
    const file = join(this.ctl, 'hung-pids');
    return existsSync(file)
      ? readFileSync(file, 'utf8').trim().split(' ').map(Number)
      : [];
  }

  /**
   * Gives the (bare) remote at `origin` the hook behind `kill-when-remote-commits`; it does
   * nothing for any other push.
   */
  installRemoteHook(origin: string): void {
    const hook = join(origin, 'hooks', 'reference-transaction');
    mkdirSync(join(origin, 'hooks'), { recursive: true });
    writeFileSync(hook, remoteHookScript(this.ctl));
    chmodSync(hook, 0o755);
  }
}

/** git runs a repository's `reference-transaction` hook with the transaction's state. */
function remoteHookScript(ctl: string): string {
  return `#!/bin/sh
[ "$1" = committed ] || exit 0
[ -f '${ctl}/push-pids' ] || exit 0
read -r push service < '${ctl}/push-pids'
rm -f '${ctl}/push-pids'
kill -9 "$push" "$service"
exit 0
`;
}

function wrapperScript(ctl: string): string {
  return `#!/bin/sh
ctl='${ctl}'
# git's subcommand: the first argument that is not one of the runner's global options.
sub=''
skip=''
for a in "$@"; do
  if [ -n "$skip" ]; then skip=''; continue; fi
  case "$a" in
    --git-dir=*) ;;
    -c) skip=1 ;;
    *) sub="$a"; break ;;
  esac
done
[ -f "$ctl/rule" ] || exec git "$@"
read -r want nth action line times < "$ctl/rule"
[ "$sub" = "$want" ] || exec git "$@"
# The service: git's parent, or, for a one-shot command, the parent of the launcher that
# started git for it.
service=$PPID
case "$(tr '\\0' ' ' < "/proc/$PPID/cmdline" 2>/dev/null)" in
  *stackyard-git-launcher*) service=$(sed 's/.*) //' "/proc/$PPID/stat" | cut -d' ' -f2) ;;
esac
# Numbers the calls of this kind; mkdir is atomic, so two calls never get the same number.
i=1
while ! mkdir "$ctl/seen-$i" 2>/dev/null; do i=$((i+1)); done
[ "$nth" = every ] || { [ "$i" -ge "$nth" ] && [ "$i" -lt $((nth + times)) ]; } || exec git "$@"
fire() { printf '%s\\n' "$*" > "$ctl/fired"; }
case "$action" in
  hold)
    fire "$@"
    # Waits for the gate; gives up once the service that asked is gone, or the launcher that
    # started this call (the service's launcher exits with it). A launcher whose parent was
    # already init (1) when this call began was orphaned: the service died first.
    parent=$PPID
    while [ ! -e "$ctl/open" ]; do
      [ "$service" != 1 ] && kill -0 "$service" 2>/dev/null && kill -0 "$parent" 2>/dev/null || exit 1
      sleep 0.02
    done
    exec git "$@" ;;
  kill-before)
    fire "$@"
    kill -9 "$service"
    exit 1 ;;
  kill-during)
    git "$@" &
    fire "$@"
    kill -9 "$service"
    wait $!
    exit $? ;;
  kill-after)
    git "$@"
    status=$?
    fire "$@"
    kill -9 "$service"
    exit $status ;;
  kill-at-request)
    # Requests are lines of text (object names); the answers, binary, never pass through here.
    {
      n=0
      while IFS= read -r request; do
        n=$((n+1))
        if [ "$n" -ge "$line" ]; then
          fire "$@"
          kill -9 "$service"
          exit 0
        fi
        printf '%s\\n' "$request"
      done
    } | git "$@"
    exit $? ;;
  kill-all-at-prepare)
    mkfifo "$ctl/to-git" "$ctl/from-git"
    git "$@" < "$ctl/to-git" > "$ctl/from-git" &
    pid=$!
    exec 3> "$ctl/to-git" 4< "$ctl/from-git"
    while IFS= read -r command; do
      printf '%s\\n' "$command" >&3
      [ "$command" = prepare ] || continue
      while IFS= read -r answer <&4; do
        [ "$answer" = 'prepare: ok' ] && break
      done
      fire "$@"
      kill -9 "$pid" "$service"
      exit 1
    done ;;
  hang-at-prepare)
    # As above, but git is left holding its ref locks, asleep, instead of killed.
    mkfifo "$ctl/to-git" "$ctl/from-git"
    git "$@" < "$ctl/to-git" > "$ctl/from-git" &
    exec 3> "$ctl/to-git" 4< "$ctl/from-git"
    while IFS= read -r command; do
      printf '%s\\n' "$command" >&3
      [ "$command" = prepare ] || continue
      while IFS= read -r answer <&4; do
        [ "$answer" = 'prepare: ok' ] && break
      done
      fire "$@"
      exec sleep 600
    done ;;
  kill-when-remote-commits)
    # exec keeps this process's id for git.
    printf '%s %s\\n' "$$" "$service" > "$ctl/push-pids"
    fire "$@"
    exec git "$@" ;;
  unreachable)
    fire "$@"
    exec git -c 'url./unreachable-remote/.insteadOf=/' "$@" ;;
  hang)
    sleep 600 &
    printf '%s %s\\n' "$$" "$!" > "$ctl/hung-pids"
    fire "$@"
    exec git -c 'remote.origin.uploadpack=sleep 600; git-upload-pack' \\
      -c 'remote.origin.receivepack=sleep 600; git-receive-pack' "$@" ;;
esac
exec git "$@"
`;
}
