#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostnet developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Makes a host's network match a hostnet config: validate, plan, apply, verify."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: hostnet_config
short_description: Apply a hostnet network config on the managed host
version_added: "0.1.0"
description:
  - Validates the config with C(hostnet check) (a bad config fails with file, line and field, and changes nothing).
  - Plans it against the live host with C(hostnet plan --live); C(changed) is whether the plan has operations.
  - In check mode returns the planned operations without touching the host.
  - Otherwise applies it with C(hostnet apply), which verifies the result and rolls back on failure.
  - With O(try), the change reverts by itself after that many seconds unless M(hostnet.net.hostnet_confirm) runs first.
    Run C(ansible.builtin.wait_for_connection) between the two, so only a host the controller can still reach is confirmed.
options:
  config:
    description:
      - The config, as YAML text or as a dict in hostnet's schema. Mutually exclusive with O(src).
    type: raw
  src:
    description:
      - Path of a config file on the managed host. Mutually exclusive with O(config).
    type: path
  try:
    description:
      - Seconds after which an unconfirmed change reverts. Omit to apply for good.
    type: int
  confirm_when:
    description:
      - With O(try), checks after which the host confirms the trial itself, once all pass for 5 seconds in a row;
        otherwise it rolls back before the deadline and the task fails naming the check.
      - C(gateway) (the default gateways answer ARP/ND), C(dns) (the config's DNS servers answer), C(ping:ADDRESS), C(tcp:ADDRESS:PORT).
      - A fleet rollout with C(serial) and C(max_fail_percentage) then stops at the first host that would lose its gateway.
    type: list
    elements: str
  no_daemon:
    description:
      - Apply one-shot even if a hostnet daemon runs on the host (it would then repair back to its own config).
    type: bool
    default: false
extends_documentation_fragment:
  - hostnet.net.hostnet
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the host.
    support: full
  diff_mode:
    description: Returns the host's config before and the declared config after.
    support: full
author:
  - hostnet developers (@hostnet)
'''

EXAMPLES = r'''
- name: Take over a remote host; it confirms itself once its gateway answers, or rolls back
  hostnet.net.hostnet_config:
    src: /etc/hostnet/hostnet.yaml
    try: 120
    confirm_when: [gateway, dns]

- name: Apply with a trial that reverts unless confirmed
  hostnet.net.hostnet_config:
    src: /etc/hostnet/hostnet.yaml
    try: 120
  register: net

- name: Prove the controller still reaches the host
  ansible.builtin.wait_for_connection:
    timeout: 60
  when: net.changed

- name: Keep the change
  hostnet.net.hostnet_confirm:
  when: net.changed
'''

RETURN = r'''
plan:
  description: The planned operations, each with the operations that undo it (C(hostnet plan --format json)).
  returned: always
  type: list
  elements: dict
report:
  description: "The apply report (C(hostnet apply --json)): every operation's outcome, verification, rollback."
  returned: when something was applied
  type: dict
trial:
  description: Set when the change is a trial that reverts unless confirmed.
  returned: when O(try) was given and something changed
  type: dict
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hostnet.net.plugins.module_utils.hostnet import COMMON_ARGS, run, run_json


def config_file(module):
    """The config as a file on the host: O(src) itself, or a private temporary copy of O(config)."""
    p = module.params
    if p['src']:
        return p['src'], None
    text = p['config']
    if isinstance(text, dict):
        text = json.dumps(text)
    fd, path = tempfile.mkstemp(prefix='hostnet-', suffix='.yaml')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    return path, path


def main():
    args = dict(
        config=dict(type='raw'),
        src=dict(type='path'),
        no_daemon=dict(type='bool', default=False),
    )
    args['try'] = dict(type='int')
    args['confirm_when'] = dict(type='list', elements='str')
    args.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=args,
        mutually_exclusive=[('config', 'src')],
        required_one_of=[('config', 'src')],
        required_by={'confirm_when': 'try'},
        supports_check_mode=True,
    )
    path, tmp = config_file(module)
    try:
        result = apply(module, path)
    finally:
        if tmp:
            os.unlink(tmp)
    module.exit_json(**result)


def apply(module, path):
    rc, out, err = run(module, ['check', path], check_rc=False)
    if rc != 0:
        module.fail_json(msg='invalid config: %s' % err.strip(), rc=rc, stderr=err)
    plan = run_json(module, ['plan', '--live', '--format', 'json', path])
    steps = plan.get('steps', [])
    result = dict(changed=bool(steps), plan=steps)
    if module._diff:
        before = run(module, ['show', '--yaml'])[1]
        with open(path) as f:
            after = f.read()
        result['diff'] = dict(before=before, after=after, before_header='host', after_header=path)
    if module.check_mode or not steps:
        return result
    cmd = ['apply', '--json', path]
    if module.params['try'] is not None:
        cmd[1:1] = ['--try', str(module.params['try'])]
    if module.params['confirm_when']:
        cmd[1:1] = ['--confirm-when', ','.join(module.params['confirm_when'])]
    if module.params['no_daemon']:
        cmd[1:1] = ['--no-daemon']
    rc, out, err = run(module, cmd, check_rc=False)
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg='hostnet apply failed (exit %d): %s' % (rc, err.strip()), rc=rc, stderr=err)
    result['report'] = report
    if report.get('trial'):
        result['trial'] = report['trial']
    if rc != 0:
        module.fail_json(msg='hostnet apply failed: %s' % (err.strip() or 'see report'), **result)
    return result


if __name__ == '__main__':
    main()
