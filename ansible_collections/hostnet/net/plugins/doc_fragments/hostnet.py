# -*- coding: utf-8 -*-
# Copyright: hostnet developers
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The options every module passes to the hostnet binary (module_utils/hostnet.py COMMON_ARGS)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  hostnet_path:
    description: The hostnet executable on the managed host.
    type: str
    default: hostnet
  netns:
    description: Work inside this network namespace (made by C(ip netns add)).
    type: str
  state_dir:
    description: hostnet's directory for its lock, journal and trials (default /run/hostnet).
    type: path
  resolv_conf:
    description: The resolv.conf hostnet manages.
    type: path
'''
