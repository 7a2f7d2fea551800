using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MelGenre.Networks;

/// <summary>
/// Keras' default initialisers applied to TorchSharp layers, so that the networks start from the same
/// distributions as the original Keras models: glorot_uniform kernels (conv and dense), orthogonal recurrent
/// kernels, zero biases, and LSTM forget-gate bias 1 (Keras <c>unit_forget_bias=True</c>). Draws from
/// TorchSharp's global generator, so <c>torch.manual_seed(seed)</c> before construction makes it reproducible.
/// </summary>
internal static class KerasInit
{
    /// <summary>glorot_uniform weight, zero bias. PyTorch's fans for [out, in, *kernel] weights equal Keras'.</summary>
    public static void GlorotUniformZeroBias(Parameter? weight, Parameter? bias)
    {
        using var noGrad = torch.no_grad();
        var w = weight ?? throw new InvalidOperationException("Layer has no weight.");
        Release(nn.init.xavier_uniform_(w), w);
        if (bias is not null) Release(nn.init.zeros_(bias), bias);
    }

    /// <summary>
    /// Recurrent layer: input kernels glorot_uniform over the whole [gates*units, input] matrix (Keras: one
    /// [input, gates*units] kernel, same fans), recurrent kernels orthogonal over the whole [gates*units, units]
    /// matrix (the transpose of Keras' orthogonal [units, gates*units]), biases zero; for an LSTM
    /// (<paramref name="lstmForgetBias"/>) the forget-gate slice [units, 2*units) of the input bias is 1 (PyTorch and
    /// Keras both order the LSTM gates i, f, g/c, o; PyTorch adds bias_ih + bias_hh, so bias_hh stays 0).
    /// </summary>
    public static void Recurrent(nn.Module module, long units, bool lstmForgetBias)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.StartsWith("weight_ih", StringComparison.Ordinal)) Release(nn.init.xavier_uniform_(p), p);
            else if (name.StartsWith("weight_hh", StringComparison.Ordinal)) Release(nn.init.orthogonal_(p), p);
            else if (name.StartsWith("bias_", StringComparison.Ordinal))
            {
                Release(nn.init.zeros_(p), p);
                if (lstmForgetBias && name.StartsWith("bias_ih", StringComparison.Ordinal))
                {
                    using var forget = p[TensorIndex.Slice(units, 2 * units)];
                    Release(forget.fill_(1.0), forget);
                }
            }
            else throw new InvalidOperationException($"Unexpected recurrent parameter '{name}'.");
        }
    }

    /// <summary>Disposes the handle an in-place initialiser returns when it is a second handle on <paramref name="target"/>
    /// (the tensor itself stays alive), so construction leaves no tensor to the finalizer.</summary>
    private static void Release(Tensor result, Tensor target)
    {
        if (!ReferenceEquals(result, target))
            result.Dispose();
    }
}
