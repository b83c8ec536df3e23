// A LabMachine in memory: what a BMC did to it is its state plus a list of calls.
import { randomUUID } from 'node:crypto';
import type { LabMachine, MachineBoot, MachinePower } from '../../src/lab/machine.ts';
import type { Ctx } from '../../src/platform/context.ts';

export class FakeMachine implements LabMachine {
  readonly uuid = randomUUID();
  power: MachinePower = 'off';
  boot: MachineBoot = { device: undefined, persistent: false };
  readonly calls: string[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  async powerState(_ctx: Ctx) {
    return this.power;
  }
  async powerOn(_ctx: Ctx) {
    this.calls.push('on');
    this.power = 'on';
  }
  async powerOff(_ctx: Ctx) {
    this.calls.push('off');
    this.power = 'off';
  }
  async reset(_ctx: Ctx) {
    this.calls.push('reset');
  }
  async shutdown(_ctx: Ctx) {
    this.calls.push('shutdown');
  }
  async getBoot(_ctx: Ctx) {
    return { ...this.boot };
  }
  async setBoot(_ctx: Ctx, boot: MachineBoot) {
    this.calls.push(`boot ${boot.device ?? 'none'}${boot.persistent ? ' persistent' : ''}`);
    this.boot = { ...boot };
  }
}
