using System;
using MelGenre.Dsp;
using Xunit;

namespace MelGenre.Tests.Dsp;

public class DecibelsTests
{
    [Fact]
    public void Silence_is_ten_log10_of_amin_with_ref_one_and_no_clipping()
    {
        var zeros = new float[1000];
        var db = new float[1000];

        Decibels.PowerToDb(zeros, db, reference: 1f, topDb: null);

        Assert.All(db, v => Assert.Equal(-100f, v));
    }

    [Fact]
    public void Known_values_and_top_db_clipping()
    {
        float[] power = [1f, 10f, 100f, 1e-3f, 1e-12f, 0f, 4f, 0.5f, 2f];
        var db = new float[power.Length];

        Decibels.PowerToDb(power, db, topDb: null);
        Assert.Equal(0.0, db[0], 5);
        Assert.Equal(10.0, db[1], 5);
        Assert.Equal(20.0, db[2], 5);
        Assert.Equal(-30.0, db[3], 4);
        Assert.Equal(-100.0, db[4], 4);   // below amin
        Assert.Equal(-100.0, db[5], 4);

        Decibels.PowerToDb(power, db, topDb: 40f);
        Assert.Equal(20.0, db[2], 5);
        Assert.Equal(-20.0, db[3], 4);    // clipped to max - 40
        Assert.Equal(-20.0, db[5], 4);

        Decibels.PowerToDb(power, db, reference: 10f, topDb: null);
        Assert.Equal(-10.0, db[0], 5);

        Decibels.PowerToDb(power, db, referenceIsMax: true, topDb: 80f);
        Assert.Equal(0.0, db[2], 5);
        Assert.Equal(-80.0, db[5], 4);
        Assert.Equal(10 * Math.Log10(4.0 / 100.0), db[6], 4);
    }

    [Fact]
    public void In_place_and_overlapping_buffers_give_the_same_result_as_separate_buffers()
    {
        var rng = new Random(3);
        var power = new float[1001];
        for (int i = 0; i < power.Length; i++)
        {
            power[i] = (float)Math.Pow(10, (rng.NextDouble() * 14) - 12);
        }

        var expected = new float[power.Length];
        Decibels.PowerToDb(power, expected, referenceIsMax: true);

        float[] inPlace = (float[])power.Clone();
        Decibels.PowerToDb(inPlace, inPlace, referenceIsMax: true);
        Assert.Equal(expected, inPlace);

        var shifted = new float[power.Length + 3];
        power.CopyTo(shifted, 3);
        Decibels.PowerToDb(shifted.AsSpan(3), shifted.AsSpan(0, power.Length), referenceIsMax: true);
        Assert.Equal(expected, shifted.AsSpan(0, power.Length).ToArray());
    }

    [Fact]
    public void Invalid_arguments_throw_with_value_and_rule()
    {
        var a = new float[4];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Decibels.PowerToDb(a, a, amin: 0f));
        Assert.Contains("amin must be a finite number > 0, got 0", ex.Message);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Decibels.PowerToDb(a, a, topDb: -1f));
        Assert.Contains("top_db must be >= 0", ex.Message);
        Assert.Contains("got -1", ex.Message);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Decibels.PowerToDb(a, a, reference: -2f));
        Assert.Contains("ref must be a finite number > 0", ex.Message);
        Assert.Contains("got -2", ex.Message);
        Decibels.PowerToDb(a, a, reference: -2f, referenceIsMax: true); // ignored when ref = max
        Assert.Throws<ArgumentException>(() => Decibels.PowerToDb(a, new float[3]));
    }

    [Fact]
    public void Decibels_to_natural_log_is_ln_of_db_to_power()
    {
        float[] db = [0f, 10f, -20f, -80f, 3.5f];
        var ln = new float[db.Length];

        Decibels.DecibelsToNaturalLog(db, ln);

        for (int i = 0; i < db.Length; i++)
        {
            Assert.Equal(Math.Log(Math.Pow(10, db[i] / 10.0)), ln[i], 5);
        }

        Decibels.DecibelsToNaturalLog(db, db);
        Assert.Equal(ln, db);
        Assert.Equal(Decibels.NaturalLogPerDecibel, Math.Log(10) / 10, 15);
    }
}
