// The configuration files of one OpenIPMI ipmi_sim BMC: lan.conf (one RMCP+ LAN channel on one address, one
// admin user, and the chassis_control program that carries power and boot device to the machine) and the
// .emu command file that creates the BMC's management controller. Debian ships no examples; these are the
// smallest files measured to work (see ../shared/reference/this-machine-lab.md section 4).

export interface IpmiSimConfig {
  name: string;
  address: string;
  port: number;
  username: string;
  password: string;
  /** An executable ipmi_sim runs as `<prog> get power|boot` and `<prog> set power|boot|reset|shutdown V`. */
  chassisControl: string;
}

// ipmi_sim reads the file with its own tokenizer: quoted strings, no escapes.
const SAFE = /^[A-Za-z0-9._\-/:+@]+$/;

export function lanConf(c: IpmiSimConfig): string {
  for (const [k, v] of Object.entries({ ...c, port: String(c.port) }))
    if (!SAFE.test(v)) throw new Error(`ipmi_sim config: ${k} has characters lan.conf cannot carry`);
  if (c.username.length > 16 || c.password.length > 20)
    throw new Error('ipmi_sim config: IPMI user names are at most 16 bytes and passwords 20');
  const auths = 'none md2 md5 straight';
  return [
    `name "${c.name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${c.address} ${c.port}`,
    '    priv_limit admin',
    `    allowed_auths_callback ${auths}`,
    `    allowed_auths_user ${auths}`,
    `    allowed_auths_operator ${auths}`,
    `    allowed_auths_admin ${auths}`,
    '    guid a123456789abcdefa123456789abcdef',
    '  endlan',
    `  chassis_control "${c.chassisControl}"`,
    `  user 2 true "${c.username}" "${c.password}" admin 10 none md2 md5 straight`,
    '',
  ].join('\n');
}

export function emuCommands(): string {
  return [
    'mc_setbmc 0x20',
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr',
    'sel_enable 0x20 1000 0x0a',
    'mc_enable 0x20',
    '',
  ].join('\n');
}
