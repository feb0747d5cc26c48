#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hostnet developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Keeps the changes of a pending hostnet trial (hostnet_config with try)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: hostnet_confirm
short_description: Keep a pending hostnet trial
version_added: "0.1.0"
description:
  - Runs C(hostnet confirm). Run it after C(ansible.builtin.wait_for_connection) has proven the controller still reaches
    the host; a host that lost its connectivity never gets here and reverts by itself.
  - Fails when the trial was reverted already (confirmed too late), saying when and why; the change is then gone.
extends_documentation_fragment:
  - hostnet.net.hostnet
attributes:
  check_mode:
    description: Can run in check mode and return the changed status prediction without modifying the host.
    support: full
  diff_mode:
    description: Does not return a diff.
    support: none
author:
  - hostnet developers (@hostnet)
'''

EXAMPLES = r'''
- name: Keep the change
  hostnet.net.hostnet_confirm:
'''

RETURN = r'''
confirmed:
  description: Whether a trial was pending and is now kept.
  returned: always
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hostnet.net.plugins.module_utils.hostnet import COMMON_ARGS, run


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    if module.check_mode:
        module.exit_json(changed=False, confirmed=False)
    out = run(module, ['confirm'])[1]
    confirmed = out.startswith('confirmed')
    module.exit_json(changed=confirmed, confirmed=confirmed)


if __name__ == '__main__':
    main()
