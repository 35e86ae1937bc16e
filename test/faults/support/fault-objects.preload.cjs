'use strict';
/**
 * Loaded into the compiled service with `node --require` by the crash harness (never by the
 * service itself): kills the process with SIGKILL right after it placed its `nth` new loose
 * object in a repository (the object writer's hard link, or its rename where a link is
 * refused; an object that was there already places nothing). The rule is read from
 * `rule.json` in the folder named by FAULT_OBJECTS_CTL, `{ "nth": 5 }`, and removed when it
 * fires, after `fired.json` (the paths placed, in order) is written.
 */
const { join } = require('node:path');
const fs = require('node:fs');

const ctl = process.env.FAULT_OBJECTS_CTL;
if (ctl) install(ctl);

function install(dir) {
  const ruleFile = join(dir, 'rule.json');
  const object = /[\\/]objects[\\/][0-9a-f]{2}[\\/][0-9a-f]{38}$/;
  const placed = [];

  const after = (target) => {
    if (!object.test(String(target))) return;
    let rule;
    try {
      rule = JSON.parse(fs.readFileSync(ruleFile, 'utf8'));
    } catch {
      return;
    }
    placed.push(String(target));
    if (placed.length < rule.nth) return;
    fs.writeFileSync(join(dir, 'fired.json'), JSON.stringify({ placed }));
    fs.rmSync(ruleFile, { force: true });
    process.kill(process.pid, 'SIGKILL');
  };

  for (const method of ['linkSync', 'renameSync']) {
    const original = fs[method];
    fs[method] = function (from, to, ...rest) {
      const result = original.call(this, from, to, ...rest);
      after(to);
      return result;
    };
  }
}
