"""slicelab: Services, Pods, Endpoints and EndpointSlices computed the way real Kubernetes does.

The public interface lessons, assignments and the grading kit rely on::

    import slicelab
    c = slicelab.Cluster(max_endpoints_per_slice=100, seed=0)
    c.apply(manifest_or_yaml)      # one transaction; controllers run once afterwards
    c.get("EndpointSlice")         # manifests shaped like `kubectl get -o json` items
    c.writes                       # every controller write, oldest first
    print(c.kubectl("get endpointslices"))

Where real Kubernetes leaves an order open (slice names, endpoint order, port order), slicelab picks a
stable, seeded one and documents it in the module that makes the choice.
"""
from slicelab.errors import ManifestError, NotFoundError
from slicelab.cluster import Cluster

__all__ = ["Cluster", "ManifestError", "NotFoundError"]
__version__ = "0.1.0"
