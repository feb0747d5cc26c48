#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostnet developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The host's network as hostnet sees it, bond health included, as facts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: hostnet_facts
short_description: Gather the host's network (config schema plus bond and LACP status) as facts
version_added: "0.1.0"
description:
  - Runs C(hostnet show --json) and returns it as the C(hostnet) fact.
  - "With a daemon running, also C(hostnet_status) (C(hostnet status --json)): per interface state, drift, events, bond health."
extends_documentation_fragment:
  - hostnet.net.hostnet
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the host.
    support: full
  diff_mode:
    description: Does not return a diff.
    support: none
  facts:
    description: Returns the host's network as facts.
    support: full
author:
  - hostnet developers (@hostnet)
'''

EXAMPLES = r'''
- hostnet.net.hostnet_facts:
- ansible.builtin.debug:
    msg: "{{ ansible_facts.hostnet.status | selectattr('bond', 'defined') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: C(hostnet) (show --json) and, when a daemon runs, C(hostnet_status).
  returned: always
  type: dict
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hostnet.net.plugins.module_utils.hostnet import COMMON_ARGS, run, run_json


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    facts = dict(hostnet=run_json(module, ['show', '--json']))
    rc, out, err = run(module, ['status', '--json'], check_rc=False)
    if rc == 0:
        facts['hostnet_status'] = json.loads(out)
    else:
        # No daemon: one-shot mode; show --json holds everything else.
        facts['hostnet_status_error'] = err.strip()
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == '__main__':
    main()
