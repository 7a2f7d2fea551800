using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MelGenre.Tests.Build;

/// <summary>
/// Writes a minimal ELF64 little-endian shared object with the tables the patcher reads: .dynstr, .dynsym,
/// .gnu.version, .gnu.version_r (libstdc++.so.6 needing GLIBCXX_3.4 and GLIBCXX_3.4.32), .dynamic
/// (DT_VERNEED/DT_VERNEEDNUM) and one .rela.dyn entry. Offsets of interesting fields are exposed so tests can
/// damage them on purpose.
/// </summary>
internal sealed class SyntheticElf
{
    public byte[] Bytes { get; private set; } = Array.Empty<byte>();
    public int Weak32FlagsOffset { get; private set; }
    public int VerneedOffset { get; private set; }
    public int DynamicOffset { get; private set; }

    /// <param name="relocateAgainstVersionedSymbol">Make the relocation refer to the symbol bound to GLIBCXX_3.4.32.</param>
    public static SyntheticElf Build(bool relocateAgainstVersionedSymbol = false)
    {
        var e = new SyntheticElf();
        var body = new MemoryStream();
        var w = new BinaryWriter(body);
        w.Write(new byte[64]); // ELF header, filled in below

        // .dynstr
        var dynstr = new List<byte> { 0 };
        int Add(string s) { int o = dynstr.Count; dynstr.AddRange(Encoding.ASCII.GetBytes(s)); dynstr.Add(0); return o; }
        int sLib = Add("libstdc++.so.6"), sV34 = Add("GLIBCXX_3.4"), sV3432 = Add("GLIBCXX_3.4.32");
        int sInit = Add("_ZSt21ios_base_library_initv"), sOther = Add("_ZdlPv");
        long dynstrOff = Align(w, 8); w.Write(dynstr.ToArray()); long dynstrSize = dynstr.Count;

        // .dynsym: null, ios_base_library_init@GLIBCXX_3.4.32 (index 3), operator delete@GLIBCXX_3.4 (index 2)
        long dynsymOff = Align(w, 8);
        w.Write(new byte[24]);
        foreach (int name in new[] { sInit, sOther })
        {
            w.Write(name); w.Write((byte)0x12); w.Write((byte)0); w.Write((ushort)0); w.Write(0L); w.Write(0L);
        }
        long dynsymSize = 3 * 24;

        // .gnu.version
        long versymOff = Align(w, 2);
        w.Write((ushort)0); w.Write((ushort)3); w.Write((ushort)2);

        // .gnu.version_r: one Verneed with two Vernaux
        long verneedOff = Align(w, 8);
        e.VerneedOffset = (int)verneedOff;
        w.Write((ushort)1); w.Write((ushort)2); w.Write(sLib); w.Write(16); w.Write(0);
        w.Write(0x08922974); w.Write((ushort)0); w.Write((ushort)2); w.Write(sV34); w.Write(16);
        e.Weak32FlagsOffset = (int)body.Position + 4;
        w.Write(0x0297f8b2); w.Write((ushort)0); w.Write((ushort)3); w.Write(sV3432); w.Write(0);
        long verneedSize = 48;

        // .dynamic
        long dynamicOff = Align(w, 8);
        e.DynamicOffset = (int)dynamicOff;
        w.Write(0x6ffffffeL); w.Write(verneedOff);
        w.Write(0x6fffffffL); w.Write(1L);
        w.Write(0L); w.Write(0L);
        long dynamicSize = 48;

        // .rela.dyn: R_X86_64_GLOB_DAT (6) against symbol 2 (or 1)
        long relaOff = Align(w, 8);
        long sym = relocateAgainstVersionedSymbol ? 1 : 2;
        w.Write(0x1000L); w.Write((sym << 32) | 6); w.Write(0L);
        long relaSize = 24;

        // .shstrtab
        var shstr = new List<byte> { 0 };
        int AddS(string s) { int o = shstr.Count; shstr.AddRange(Encoding.ASCII.GetBytes(s)); shstr.Add(0); return o; }
        int nDynstr = AddS(".dynstr"), nDynsym = AddS(".dynsym"), nVersym = AddS(".gnu.version"), nVerneed = AddS(".gnu.version_r");
        int nDynamic = AddS(".dynamic"), nRela = AddS(".rela.dyn"), nShstr = AddS(".shstrtab");
        long shstrOff = body.Position; w.Write(shstr.ToArray()); long shstrSize = shstr.Count;

        long shoff = Align(w, 8);
        void Section(int name, uint type, long off, long size, uint link, uint info, long entsize)
        {
            w.Write(name); w.Write(type); w.Write(2L); w.Write(off); w.Write(off); w.Write(size);
            w.Write(link); w.Write(info); w.Write(8L); w.Write(entsize);
        }
        w.Write(new byte[64]);
        Section(nDynstr, 3, dynstrOff, dynstrSize, 0, 0, 0);                     // 1
        Section(nDynsym, 11, dynsymOff, dynsymSize, 1, 1, 24);                   // 2
        Section(nVersym, 0x6fffffff, versymOff, 6, 2, 0, 2);                     // 3
        Section(nVerneed, 0x6ffffffe, verneedOff, verneedSize, 1, 1, 0);         // 4
        Section(nDynamic, 6, dynamicOff, dynamicSize, 1, 0, 16);                 // 5
        Section(nRela, 4, relaOff, relaSize, 2, 0, 24);                          // 6
        Section(nShstr, 3, shstrOff, shstrSize, 0, 0, 0);                        // 7

        byte[] bytes = body.ToArray();
        byte[] header = { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 };
        header.CopyTo(bytes, 0);
        BitConverter.GetBytes((ushort)3).CopyTo(bytes, 0x10);     // ET_DYN
        BitConverter.GetBytes((ushort)62).CopyTo(bytes, 0x12);    // EM_X86_64
        BitConverter.GetBytes(1).CopyTo(bytes, 0x14);
        BitConverter.GetBytes(shoff).CopyTo(bytes, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x34);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x3A);
        BitConverter.GetBytes((ushort)8).CopyTo(bytes, 0x3C);
        BitConverter.GetBytes((ushort)7).CopyTo(bytes, 0x3E);
        e.Bytes = bytes;
        return e;
    }

    private static long Align(BinaryWriter w, int alignment)
    {
        while (w.BaseStream.Position % alignment != 0) w.Write((byte)0);
        return w.BaseStream.Position;
    }
}
