using System.Globalization;

namespace AutoMon.Numerics.Functions;

/// <summary>A node of a parsed formula; <see cref="Position"/> is where its error messages point (0-based).</summary>
internal abstract record FormulaNode(int Position);

internal sealed record NumberNode(int Position, double Value) : FormulaNode(Position);

/// <summary><c>x</c> (whole), <c>x[i]</c> (<see cref="IsIndex"/>, <see cref="Start"/> = i) or <c>x[a:b]</c> (an omitted bound is null).</summary>
/// <param name="Position">The position of the 'x'.</param>
/// <param name="Text">The construct as written, without spaces: "x[2:5]".</param>
internal sealed record InputNode(int Position, string Text, bool IsIndex, int? Start, int? End, int StartPosition, int EndPosition)
    : FormulaNode(Position)
{
    public bool IsWhole => !IsIndex && Start is null && End is null;
}

/// <summary>Unary minus.</summary>
internal sealed record NegateNode(int Position, FormulaNode Operand) : FormulaNode(Position);

/// <summary><c>+ - * / ^</c>; <see cref="FormulaNode.Position"/> is the operator's.</summary>
internal sealed record BinaryNode(int Position, char Operator, FormulaNode Left, FormulaNode Right) : FormulaNode(Position);

/// <summary>A function call; <see cref="FormulaNode.Position"/> is the function name's.</summary>
internal sealed record CallNode(int Position, string Name, IReadOnlyList<FormulaNode> Arguments) : FormulaNode(Position);

/// <summary>
/// Recursive descent over the grammar in docs/formulas.md (Python's precedence: '^' binds tighter than unary minus and is
/// right-associative, so -x[0]^2 is −(x0²) and 2^3^2 is 2^9). Builds a tree of <see cref="FormulaNode"/>; it does not know
/// the dimension, so bounds are checked when the tree is compiled.
/// </summary>
internal sealed class FormulaParser
{
    /// <summary>The functions and how many arguments each takes.</summary>
    public static readonly IReadOnlyDictionary<string, int> Functions = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["exp"] = 1, ["log"] = 1, ["sqrt"] = 1, ["sin"] = 1, ["cos"] = 1, ["tanh"] = 1, ["sigmoid"] = 1,
        ["sum"] = 1, ["mean"] = 1, ["dot"] = 2,
    };

    private const string Operand = "a number, x, a function or '('";

    private readonly List<FormulaToken> _tokens;
    private int _next;

    private FormulaParser(List<FormulaToken> tokens) => _tokens = tokens;

    private FormulaToken Current => _tokens[_next];

    public static FormulaNode Parse(string text)
    {
        var tokens = FormulaTokenizer.Tokenize(text);
        if (tokens.Count == 1)
        {
            throw new FormulaException(0, "the formula is empty; write an expression in x, e.g. x[0] * x[1]");
        }

        var parser = new FormulaParser(tokens);
        var root = parser.Expression();
        var end = parser.Current;
        if (end.Kind != TokenKind.End)
        {
            throw end.Is(')')
                ? new FormulaException(end.Position, "found ')' without a matching '('")
                : new FormulaException(end.Position, $"expected an operator (+ - * / ^) or the end of the formula, found {end.Describe()}");
        }

        return root;
    }

    // expression = term { ("+" | "-") term }
    private FormulaNode Expression()
    {
        var left = Term();
        while (Current.Is('+') || Current.Is('-'))
        {
            var op = Take();
            left = new BinaryNode(op.Position, op.Text[0], left, Term());
        }

        return left;
    }

    // term = unary { ("*" | "/") unary }
    private FormulaNode Term()
    {
        var left = Unary();
        while (Current.Is('*') || Current.Is('/'))
        {
            var op = Take();
            left = new BinaryNode(op.Position, op.Text[0], left, Unary());
        }

        return left;
    }

    // unary = ("-" | "+") unary | power
    private FormulaNode Unary()
    {
        if (Current.Is('-'))
        {
            var minus = Take();
            return new NegateNode(minus.Position, Unary());
        }

        if (Current.Is('+'))
        {
            Take();
            return Unary();
        }

        return Power();
    }

    // power = primary [ "^" unary ]   (right-associative: the exponent is itself a unary, which may be a power)
    private FormulaNode Power()
    {
        var primary = Primary();
        if (!Current.Is('^'))
        {
            return primary;
        }

        var op = Take();
        return new BinaryNode(op.Position, '^', primary, Unary());
    }

    // primary = number | input | call | "(" expression ")"
    private FormulaNode Primary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Take();
                return new NumberNode(token.Position, token.Number);
            case TokenKind.Name when token.Text == "x":
                Take();
                return Input(token);
            case TokenKind.Name:
                Take();
                return Call(token);
            case TokenKind.Symbol when token.Is('('):
                Take();
                var inner = Expression();
                Expect(')', $"to close the '(' at position {token.Position}");
                return inner;
            default:
                var after = _next > 0 ? $" after '{_tokens[_next - 1].Text}'" : "";
                var hint = token.Is('*') && _next > 0 && _tokens[_next - 1].Is('*') ? " (powers are written with ^)" : "";
                throw new FormulaException(token.Position, $"expected {Operand}{after}, found {token.Describe()}{hint}");
        }
    }

    // input = "x" [ "[" ( index | [ index ] ":" [ index ] ) "]" ]
    private InputNode Input(FormulaToken x)
    {
        if (!Current.Is('['))
        {
            return new InputNode(x.Position, "x", false, null, null, x.Position, x.Position);
        }

        Take();
        var startPosition = Current.Position;
        int? start = Current.Kind == TokenKind.Number ? Index() : null;
        if (Current.Is(']') && start is not null)
        {
            Take();
            return new InputNode(x.Position, $"x[{start}]", true, start, start + 1, startPosition, startPosition);
        }

        if (!Current.Is(':'))
        {
            throw new FormulaException(Current.Position, start is null
                ? $"expected an index (a whole number from 0) or ':' after 'x[', found {Current.Describe()}"
                : $"expected ']' or ':' after the index in 'x[{start}', found {Current.Describe()}");
        }

        Take();
        var endPosition = Current.Position;
        int? end = Current.Kind == TokenKind.Number ? Index() : null;
        var text = $"x[{start}:{end}]";
        Expect(']', $"to close '{text[..^1]}'");
        if (start is not null && end is not null && end <= start)
        {
            throw new FormulaException(endPosition, $"{text} is empty; a slice x[a:b] takes a ≤ i < b and needs a < b");
        }

        return new InputNode(x.Position, text, false, start, end, startPosition, endPosition);
    }

    private int Index()
    {
        var token = Take();
        if (!token.Text.All(char.IsAsciiDigit))
        {
            throw new FormulaException(token.Position, $"an index must be a whole number from 0; found {token.Text}");
        }

        if (!int.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index == int.MaxValue)
        {
            throw new FormulaException(token.Position, $"the index {token.Text} is too large");
        }

        return index;
    }

    // call = name "(" expression { "," expression } ")"   (exactly as many arguments as the function takes)
    private CallNode Call(FormulaToken name)
    {
        if (!Functions.TryGetValue(name.Text, out var arity))
        {
            var hint = name.Text == "X" ? "; the input vector is lowercase x" : "";
            throw new FormulaException(name.Position,
                $"unknown name '{name.Text}'{hint}; the input is x and the functions are {string.Join(", ", Functions.Keys)}");
        }

        Expect('(', $"after {name.Text}");
        var arguments = new List<FormulaNode>(arity);
        for (var i = 0; i < arity; i++)
        {
            if (i > 0)
            {
                if (Current.Is(')'))
                {
                    throw new FormulaException(Current.Position, $"{name.Text} takes {arity} arguments; found {i}");
                }

                Expect(',', $"between the arguments of {name.Text}");
            }

            arguments.Add(Expression());
        }

        if (Current.Is(','))
        {
            throw new FormulaException(Current.Position, $"{name.Text} takes {Count(arity)}; found more");
        }

        Expect(')', arity == 1 ? $"after the argument of {name.Text}" : $"after the arguments of {name.Text}");
        return new CallNode(name.Position, name.Text, arguments);
    }

    private static string Count(int arity) => arity == 1 ? "1 argument" : $"{arity} arguments";

    private void Expect(char symbol, string where)
    {
        if (!Current.Is(symbol))
        {
            throw new FormulaException(Current.Position, $"expected '{symbol}' {where}, found {Current.Describe()}");
        }

        Take();
    }

    private FormulaToken Take() => _tokens[_next++];
}
