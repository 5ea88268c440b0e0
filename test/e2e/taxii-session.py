"""Drives a Liaison node's TAXII 2.1 server with the OASIS reference client (test/taxii2-client).

    push URL USER SECRET COLLECTION_ID ENVELOPE_FILE   discovery, collections, add objects, wait for the status
    pull URL USER SECRET COLLECTION_ID LIMIT           every object page by page, then added_after, manifest, versions
    misp-push BASEURL API_ROOT KEY COLLECTION_ID ENVELOPE_FILE
                                                       the calls of MISP's TAXII push (MISP/MISP,
                                                       app/files/scripts/taxii/taxii_push.py): KEY is
                                                       base64(NAME:SECRET), split into HTTP Basic

Prints one JSON document: what the client saw, step by step.
"""
import json
import sys
from base64 import b64decode

from requests.auth import HTTPBasicAuth

from taxii2client.v21 import ApiRoot, Server, Collection, as_pages


def session(url, user, secret):
    server = Server(url, user=user, password=secret)
    root = server.default
    return server, root


def push(url, user, secret, collection_id, envelope_file):
    server, root = session(url, user, secret)
    log = {"discovery": {"title": server.title, "api_roots": [r.url for r in server.api_roots]},
           "api_root": {"title": root.title, "versions": root.versions, "max_content_length": root.max_content_length},
           "collections": [{"id": c.id, "title": c.title, "can_read": c.can_read, "can_write": c.can_write, "media_types": c.media_types} for c in root.collections]}
    collection = Collection(root.url + "collections/" + collection_id + "/", user=user, password=secret)
    with open(envelope_file) as f:
        envelope = json.load(f)
    status = collection.add_objects(envelope, wait_for_completion=True, poll_interval=0.5, timeout=60)
    log["status"] = {"id": status.id, "status": status.status, "total_count": status.total_count,
                     "success_count": status.success_count, "failure_count": status.failure_count,
                     "pending_count": status.pending_count, "successes": status.successes, "failures": status.failures}
    return log


def pull(url, user, secret, collection_id, limit):
    server, root = session(url, user, secret)
    collection = Collection(root.url + "collections/" + collection_id + "/", user=user, password=secret)
    pages = []
    objects = []
    for envelope in as_pages(collection.get_objects, per_request=int(limit)):
        got = envelope.get("objects", [])
        pages.append({"count": len(got), "more": envelope.get("more", False), "has_next": "next" in envelope})
        objects.extend(got)
    first_added = objects[0]["x_liaison_provenance"]["date_added"] if objects else None
    after = collection.get_objects(added_after=first_added) if first_added else {}
    manifest = collection.get_manifest()
    one = collection.get_object(objects[0]["id"]) if objects else {}
    versions = collection.object_versions(objects[0]["id"]) if objects else {}
    return {"collection": {"id": collection.id, "title": collection.title, "can_read": collection.can_read, "can_write": collection.can_write},
            "pages": pages, "objects": objects,
            "added_after": {"since": first_added, "ids": [o["id"] for o in after.get("objects", [])]},
            "manifest": manifest.get("objects", []),
            "get_object": [o["id"] for o in one.get("objects", [])],
            "versions": versions.get("versions", [])}


def misp_push(baseurl, api_root, key, collection_id, envelope_file):
    # As taxii_push.py: parse_auth, then push_content (api_root_url = baseurl + "/" + api_root).
    auth = HTTPBasicAuth(*b64decode(key.encode()).split(b':'))
    api_root_url = baseurl + "/" + api_root
    with ApiRoot(api_root_url, auth=auth) as root:
        max_content_length = root.max_content_length
    collection_url = api_root_url + '/collections/' + collection_id
    with open(envelope_file, "rb") as f:
        envelope = f.read()
    with Collection(collection_url, auth=auth) as collection:
        status = collection.add_objects(envelope, wait_for_completion=False)
    return {"max_content_length": max_content_length, "status": status.status, "total_count": status.total_count,
            "success_count": status.success_count, "failure_count": status.failure_count, "pending_count": status.pending_count}


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    result = push(*args) if mode == "push" else misp_push(*args) if mode == "misp-push" else pull(*args)
    print(json.dumps(result, indent=1, sort_keys=True))
