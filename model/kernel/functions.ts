/** Every kernel function of the model, so that frames can name any of them. */
import './lazy_mmu.ts';
import './kpkeys.ts';
import './entry.ts';
import './sched.ts';
import './mm.ts';
import './pageattr.ts';
import './vmalloc.ts';
import './access.ts';
import './pte_range.ts';
