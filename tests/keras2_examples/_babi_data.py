"""Synthetic bAbI task-1 ("single supporting fact") files, as the bytes lines a tarfile member yields.

Shared by babi_rnn.py and babi_memnn.py (which replace the bAbI download);
numpy and the standard library only, so it runs in both environments.
"""

import numpy as np

PEOPLE = ['Mary', 'John', 'Sandra', 'Daniel']
VERBS = ['moved to', 'went to', 'journeyed to', 'travelled to']
PLACES = ['bathroom', 'hallway', 'garden', 'office', 'kitchen', 'bedroom']


def babi_lines(n_stories, seed):
    """Lines of ``n_stories`` stories, each of 2 questions after 2 facts each (bytes, newline-ended)."""
    rng = np.random.RandomState(seed)
    lines = []
    for _ in range(n_stories):
        nid, where = 1, {}
        for _ in range(2):
            for _ in range(2):
                person = PEOPLE[rng.randint(len(PEOPLE))]
                place = PLACES[rng.randint(len(PLACES))]
                where[person] = (place, nid)
                lines.append('%d %s %s the %s.\n' % (nid, person, VERBS[rng.randint(len(VERBS))], place))
                nid += 1
            person = sorted(where)[rng.randint(len(where))]
            place, support = where[person]
            lines.append('%d Where is %s? \t%s\t%d\n' % (nid, person, place, support))
            nid += 1
    return [line.encode('utf-8') for line in lines]
