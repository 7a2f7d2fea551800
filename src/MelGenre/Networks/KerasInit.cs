using static TorchSharp.torch;
using System;
using TorchSharp;
using TorchSharp.Modules;

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
        nn.init.xavier_uniform_(weight ?? throw new InvalidOperationException("Layer has no weight."));
        if (bias is not null) nn.init.zeros_(bias);
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
            if (name.StartsWith("weight_ih", StringComparison.Ordinal)) nn.init.xavier_uniform_(p);
            else if (name.StartsWith("weight_hh", StringComparison.Ordinal)) nn.init.orthogonal_(p);
            else if (name.StartsWith("bias_", StringComparison.Ordinal))
            {
                nn.init.zeros_(p);
                if (lstmForgetBias && name.StartsWith("bias_ih", StringComparison.Ordinal))
                    p[TensorIndex.Slice(units, 2 * units)].fill_(1.0);
            }
            else throw new InvalidOperationException($"Unexpected recurrent parameter '{name}'.");
        }
    }
}
