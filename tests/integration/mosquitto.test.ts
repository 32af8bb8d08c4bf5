// mosquitto: a broker on one host, subscribers and publishers on others, with
// `args` given as strings split by GLib's rules: the '#' of an MQTT wildcard
// inside a word is not a comment, a '#' after a space is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { config, host, runUmbra, tempDir, which } from '../helpers/umbra';

test('mosquitto_sub -t sensors/# -C 3 gets the three sensor messages that mosquitto_pub sends from another host', () => {
  const dir = tempDir();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, 'listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\n');
  const pub = which('mosquitto_pub');
  const publish = (topic: string, msg: string, at: number, tail = ''): string =>
    `{path: ${pub}, args: "-h broker -t ${topic} -m ${msg}${tail}", start_time: ${at}s}`;
  const r = runUmbra(
    config(
      host('broker', [`{path: ${which('mosquitto')}, args: "-c ${conf}", expected_final_state: running}`]) +
        host('sub', [
          `{path: ${which('mosquitto_sub')}, args: "-h broker -t sensors/# -C 3 -v", start_time: 1s}`,
          `{path: ${which('mosquitto_sub')}, args: "-h broker -t 'sensors/#' -C 3", start_time: 1s}`,
        ]) +
        host('pub', [
          publish('sensors/temp', '21.5', 2),
          publish('other/x', 'no', 3),
          publish('sensors/hum', '40', 4),
          publish('sensors/room/1', 'on', 5, '  # the rest is a comment: -m off'),
        ]),
      'stop_time: 20s',
    ),
    [],
    { dir },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.outputs('sub', 'mosquitto_sub.'), [
    'sensors/temp 21.5\nsensors/hum 40\nsensors/room/1 on\n',
    '21.5\n40\non\n',
  ]);
});
