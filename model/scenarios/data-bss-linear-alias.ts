/**
 * Seed 001 (unmap-data-bss-from-linear-map, see docs/background.md), the readers of the kernel
 * image's linear alias. Ard Biesheuvel's v4 13/15 unmaps kernel data/bss from the linear map;
 * asked whether text/rodata could go too, he names what still reads through the linear map:
 * "the zero page now, which may be accessed via 'page_address(ZERO_PAGE(0))'" and "anything
 * that dereferences page tables (like /sys/kernel/debug/kernel_page_tables) will expect to
 * have read-only access to swapper_pg_dir". Kevin Brodsky answers that swapper_pg_dir is
 * accessed via the kernel mapping and proposes moving the zero page beside fixmap_pgdir.
 *
 * CPU0 (a kworker doing WireGuard crypto) reads the zero page through
 * page_address(ZERO_PAGE(0)); CPU1 (`cat /sys/kernel/debug/kernel_page_tables`) dumps
 * swapper_pg_dir, reading every table page.
 *
 * Layout: in Ard's series the zero page is with rodata (zeroPage 'rodata', the default: his
 * answer "There is the zero page now" is why text/rodata cannot be unmapped too); upstream's
 * empty_zero_page is __page_aligned_bss (arch/arm64/mm/mmu.c, zeroPage 'data-bss'); Kevin proposes
 * moving it beside fixmap_pgdir ('beside-fixmap'). swapper_pg_dir sits after
 * .rodata and before __init_begin (vmlinux.lds.S), so its linear alias is part of the
 * text/rodata alias, read-only with rodata=full: reading it through that alias only breaks
 * when text/rodata is unmapped too (Kevin's question). The fixmap's tables are fixmap_pgdir,
 * a page-table area outside data/bss whose linear alias stays mapped read-only *(inferred from
 * Kevin's mention)*, or upstream's __page_aligned_bss bm_pud/bm_pmd/bm_pte (fixmapTables 'bss'):
 * then a dump reaches them through __va() and faults once data/bss is unmapped, however it
 * reads swapper_pg_dir, and the zero page "beside fixmap_pgdir" is in .bss as well. Unmapped
 * aliases keep their descriptor with PTE_VALID cleared ("toggle the valid bit").
 *
 * The linear map is mapped with ptes whatever linearMap says (blocks do not matter to readers).
 *
 * Rule 14 has two parts: the state part (the text/rodata alias is never writable) fails from
 * the first state under 'rodata-alias-writable'; the event part (no access through an
 * unmapped alias) catches the readers.
 */
import { linearAlias, regionBase } from '../hardware/geometry.ts';
import { ptdump_show } from '../kernel/ptdump.ts';
import { chacha20poly1305_encrypt } from '../kernel/zero_page.ts';
import { Boot, type LeafAttrs } from './boot.ts';
import { TIMER_TICK, type Scenario } from './scenario.ts';
import { idleTask, machine, runningTask } from './tasks.ts';

const PTDUMP_TRACE = ['walk_page_range_debug', 'ptdump_walk_pgd', 'ptdump_show'];

export const dataBssLinearAlias: Scenario = {
  name: 'data-bss-linear-alias',
  summary: 'data/bss (and maybe text/rodata) unmapped from the linear map while page_address(ZERO_PAGE(0)) and a page-table dump still read through it',
  seed: 'unmap-data-bss-from-linear-map.txt',
  invariants: ['linear-alias-protected'],
  params: { irqs: 0, fanout: 4, cpus: 1 },
  irqSources: [TIMER_TICK],
  backgrounds: ['kernel-page-present'],
  expectations: {
    v6: {
      verdict: 'pass',
      why: 'data/bss is unmapped, but the zero page is with rodata (mapped read-only), the fixmap tables are in fixmap_pgdir, and the dump reads swapper_pg_dir through init_mm.pgd',
    },
    'unmap-data-bss': {
      verdict: 'pass',
      why: 'as posted: the zero page is with rodata, whose linear alias stays mapped read-only, and swapper_pg_dir is in .rodata too, so even a dump through its linear alias works',
    },
    'unmap-data-bss-zero-page-in-bss': {
      verdict: 'violation',
      property: 'linear-alias-protected',
      callTrace: ['chacha20poly1305_encrypt'],
      why: "with upstream's empty_zero_page in .bss, page_address(ZERO_PAGE(0)) is an unmapped alias: the first read of it faults",
    },
    'unmap-data-bss-fixmap-tables-in-bss': {
      verdict: 'violation',
      property: 'linear-alias-protected',
      callTrace: PTDUMP_TRACE,
      why: "with upstream's bm_pud/bm_pmd/bm_pte in .bss the dump reaches them through __va() (pud_offset(), pmd_offset()): their linear alias is unmapped, even when swapper_pg_dir is read through init_mm.pgd",
    },
    'unmap-data-bss-zero-page-beside-fixmap': {
      verdict: 'pass',
      why: 'with the zero page moved beside fixmap_pgdir (outside data/bss), nothing reads data/bss through the linear map',
    },
    'unmap-kernel-image-alias': {
      verdict: 'violation',
      property: 'linear-alias-protected',
      callTrace: PTDUMP_TRACE,
      why: 'once text/rodata is unmapped too, a dump that reaches swapper_pg_dir through its linear alias faults on its first load (Ard\'s objection)',
    },
    'unmap-kernel-image-alias-zero-page-in-rodata': {
      verdict: 'violation',
      property: 'linear-alias-protected',
      callTrace: ['chacha20poly1305_encrypt'],
      why: 'with text/rodata unmapped, the zero page in .rodata is an unmapped alias: "There is the zero page now" (Ard\'s answer to Kevin\'s question)',
    },
    'unmap-kernel-image-alias-fixed': {
      verdict: 'pass',
      why: "Kevin's proposal: init_mm.pgd is the kernel-image VA of swapper_pg_dir, lower tables and the zero page (beside fixmap_pgdir) keep mapped aliases, so everything else can be unmapped",
    },
    'data-bss-ro': {
      verdict: 'pass',
      why: 'a read-only data/bss alias serves the zero page reads; nothing writes through it',
    },
    'rodata-alias-writable': {
      verdict: 'violation',
      property: 'linear-alias-protected',
      why: 'the linear alias of text/rodata (swapper_pg_dir included) is writable from boot on: the state part of rule 14 fails in the initial state',
    },
  },
  build({ knobs, geometry }) {
    const g = geometry;
    const boot = new Boot(g, 24);
    const swapper = boot.root; // after .rodata, before __init_begin
    const text = boot.alloc('_stext (kernel text)');
    const rodata = boot.alloc('__start_rodata (kernel rodata)');
    // FIX_FDT: the device tree stays mapped read-only in the fixmap; its tables are fixmap_pgdir.
    const fdt = boot.alloc('the device tree blob');
    boot.map(regionBase(g, 'fixmap'), fdt, { rdonly: true });
    const fixmapTables = [...boot.names].filter(([, n]) => n.startsWith('fixmap ')).map(([p]) => p);
    const fixmapName = knobs.fixmapTables === 'bss' ? 'bm_pXd (.bss)' : 'fixmap_pgdir';
    for (const p of fixmapTables) boot.names.set(p, `${fixmapName}: ${boot.names.get(p)}`);
    // The zero page: with rodata (the series), in .bss (upstream) or beside fixmap_pgdir.
    const zero = boot.alloc(
      knobs.zeroPage === 'rodata' ? 'empty_zero_page (.rodata)' : knobs.zeroPage === 'data-bss' ? 'empty_zero_page (.bss)' : 'empty_zero_page (beside fixmap_pgdir)',
    );
    const data = boot.alloc('init_task (.data)');
    // The zero page beside fixmap_pgdir is in .bss too when the fixmap tables are.
    const zeroInBss = knobs.zeroPage === 'data-bss' || (knobs.zeroPage === 'beside-fixmap' && knobs.fixmapTables === 'bss');
    const fixmapInBss = knobs.fixmapTables === 'bss';

    // The kernel-image mapping of text/rodata (swapper_pg_dir included): kimage VA = base + pa.
    const kimg = (pa: number) => regionBase(g, 'kernel image') + pa;
    boot.map(kimg(text), text, { rdonly: true, pxn: false });
    boot.map(kimg(rodata), rodata, { rdonly: true });
    boot.map(kimg(swapper), swapper, { rdonly: true });

    const textGroup = [swapper, text, rodata, ...(knobs.zeroPage === 'rodata' ? [zero] : [])];
    const kept = [...(fixmapInBss ? [] : fixmapTables), ...(knobs.zeroPage === 'beside-fixmap' && !zeroInBss ? [zero] : [])];
    const dataGroup = [data, ...(zeroInBss ? [zero] : []), ...(fixmapInBss ? fixmapTables : [])];
    const aliasOf = (which: 'ro' | 'rw' | 'unmapped'): LeafAttrs =>
      which === 'ro' ? { rdonly: true } : which === 'rw' ? {} : { rdonly: true, valid: false };
    boot.mapLinear({
      attrs: (pa) => {
        if (textGroup.includes(pa)) return aliasOf(knobs.textRodataAlias);
        if (kept.includes(pa)) return { rdonly: true };
        if (dataGroup.includes(pa)) return knobs.dataBssAlias === 'unmapped' ? { valid: false } : knobs.dataBssAlias === 'ro' ? { rdonly: true } : {};
        return {};
      },
    });
    const unmapped = [...(knobs.dataBssAlias === 'unmapped' ? dataGroup : []), ...(knobs.textRodataAlias === 'unmapped' ? textGroup : [])];
    const booted = boot.finish({
      // swapper_pg_dir is written through the kernel image (set_swapper_pgd() uses the fixmap; nothing writes it here).
      tableVa: (page) => (page === swapper ? kimg(page) : linearAlias(g, page)),
      textPages: textGroup,
      unmappedAliasPages: unmapped,
      vas: new Map([
        ['page_address(ZERO_PAGE(0))', linearAlias(g, zero)],
        ['init_mm.pgd', kimg(swapper)],
      ]),
    });
    return machine(booted, {
      running: [0, 1],
      tasks: [runningTask('kworker/0:1', 20, 0, chacha20poly1305_encrypt), runningTask('cat', 21, 1, ptdump_show), idleTask(0), idleTask(1)],
    });
  },
};
