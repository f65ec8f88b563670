"""Office add-in manifests rendered from the deployment's configuration (issue 5).

Pure: nothing here imports Flask. common.py turns a config mapping into ManifestSettings (ids, version, URLs);
xml.py renders the Word and Outlook XML manifests; unified.py and package.py render the unified JSON manifest
and its app package. server/api/manifest.py serves them; server/manifest_cli.py (`flask manifest build`)
writes them to a folder.
"""
