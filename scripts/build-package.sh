#!/usr/bin/env bash
# placeholder: filled in by its issue
exit 0
