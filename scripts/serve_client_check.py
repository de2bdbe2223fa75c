"""A client the project did not write: the official Triton HTTP client (tritonclient[http]) against
`gnn-serve serve`. Checks is_server_live, is_server_ready, is_model_ready, get_model_metadata and infer, and
that infer's scores are bit-identical to the float32 matrix `gnn-serve predict` wrote for the same nodes.

    python serve_client_check.py URL MODEL PREDICT_NPY NODES   (NODES: a comma list, in PREDICT_NPY's order)
"""
import sys

import numpy as np
import tritonclient.http as http

url, model, expected_path, nodes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ids = np.array([int(n) for n in nodes.split(",")], dtype=np.int64)
expected = np.load(expected_path)

client = http.InferenceServerClient(url=url)
assert client.is_server_live(), "is_server_live"
assert client.is_server_ready(), "is_server_ready"
assert client.is_model_ready(model), "is_model_ready"
assert not client.is_model_ready(model + "-unknown"), "is_model_ready of an unknown model"
metadata = client.get_model_metadata(model)
assert metadata["name"] == model, metadata
assert [i["name"] for i in metadata["inputs"]] == ["node_ids"], metadata
assert [o["name"] for o in metadata["outputs"]] == ["scores", "predictions", "top_k"], metadata
assert metadata["outputs"][0]["shape"] == [-1, expected.shape[1]], metadata

# JSON tensors, then the client's default: the binary tensor data extension both ways.
for binary in (False, True):
    node_ids = http.InferInput("node_ids", [len(ids)], "INT64")
    node_ids.set_data_from_numpy(ids, binary_data=binary)
    outputs = [http.InferRequestedOutput("scores", binary_data=binary),
               http.InferRequestedOutput("predictions", binary_data=binary)]
    result = client.infer(model, [node_ids], outputs=outputs, request_id="triton-check")
    scores = result.as_numpy("scores")
    assert scores.dtype == np.float32 and scores.shape == expected.shape, (scores.dtype, scores.shape)
    differ = np.flatnonzero(scores.view(np.uint32).ravel() != expected.view(np.uint32).ravel())
    assert differ.size == 0, f"binary {binary}: {differ.size} scores differ from predict's, first at {differ[:5]}"
    assert (result.as_numpy("predictions") == expected.argmax(axis=1)).all(), "predictions"
    response = result.get_response()
    assert response["id"] == "triton-check" and response["model_name"] == model, response
    print(f"tritonclient (binary_data={binary}): live, ready, model ready, metadata and infer OK; "
          f"{scores.size} scores of {len(ids)} nodes bit-identical to predict's (version {response['model_version']})")
