# -*- coding: utf-8 -*-
# Copyright: hostnet developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Running the hostnet binary on the managed host: the one place that builds its command line,
so every module speaks to hostnet the same way (namespace, state directory, resolv.conf)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

COMMON_ARGS = dict(
    hostnet_path=dict(type='str', default='hostnet'),
    netns=dict(type='str'),
    state_dir=dict(type='path'),
    resolv_conf=dict(type='path'),
)


def base_command(module):
    p = module.params
    cmd = [p['hostnet_path']]
    if p.get('netns'):
        cmd += ['--netns', p['netns']]
    if p.get('state_dir'):
        cmd += ['--state-dir', p['state_dir']]
    if p.get('resolv_conf'):
        cmd += ['--resolv-conf', p['resolv_conf']]
    return cmd


def run(module, args, check_rc=True):
    """Runs hostnet with `args`; fails the module with hostnet's own error text on failure."""
    rc, out, err = module.run_command(base_command(module) + args)
    if check_rc and rc != 0:
        module.fail_json(msg='hostnet %s failed (exit %d): %s' % (args[0], rc, err.strip() or out.strip()),
                         rc=rc, stdout=out, stderr=err)
    return rc, out, err


def run_json(module, args):
    out = run(module, args)[1]
    try:
        return json.loads(out)
    except ValueError as e:
        module.fail_json(msg='hostnet %s printed no JSON: %s' % (args[0], e), stdout=out)
