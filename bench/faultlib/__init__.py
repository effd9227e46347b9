"""Pieces of the reliability campaign (``bench/faults.py``): a shaping TCP proxy, network
namespaces with a weak link, a township server and village data folders to fight over, and the
end-state checks (nothing lost, nothing doubled, both sides agree, both databases sound).

- No Qt; talks only to 127.0.0.0/8 or to network namespaces it creates itself.
"""
