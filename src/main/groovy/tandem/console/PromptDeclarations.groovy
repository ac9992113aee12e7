// `def x = ...` typed at the prompt keeps x for the next lines, as groovysh's interpreter mode
// does: each console line is its own script, so a declaration local to it would be gone at once.
// Top-level declarations of a prompt line become assignments to the console's binding.
package tandem.console

import groovy.transform.CompileStatic
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.MethodNode
import org.codehaus.groovy.ast.expr.BinaryExpression
import org.codehaus.groovy.ast.expr.ConstantExpression
import org.codehaus.groovy.ast.expr.DeclarationExpression
import org.codehaus.groovy.ast.expr.EmptyExpression
import org.codehaus.groovy.ast.expr.Expression
import org.codehaus.groovy.ast.expr.TupleExpression
import org.codehaus.groovy.ast.expr.VariableExpression
import org.codehaus.groovy.ast.stmt.BlockStatement
import org.codehaus.groovy.ast.stmt.ExpressionStatement
import org.codehaus.groovy.ast.stmt.Statement
import org.codehaus.groovy.classgen.GeneratorContext
import org.codehaus.groovy.control.CompilePhase
import org.codehaus.groovy.control.SourceUnit
import org.codehaus.groovy.control.customizers.CompilationCustomizer
import org.codehaus.groovy.syntax.Token
import org.codehaus.groovy.syntax.Types

@CompileStatic
class PromptDeclarations extends CompilationCustomizer {

    PromptDeclarations() {
        // before variable scopes are resolved, so the names become the binding's
        super(CompilePhase.CONVERSION)
    }

    @Override
    void call(SourceUnit source, GeneratorContext context, ClassNode classNode) {
        if (!classNode.isScript()) return
        MethodNode run = classNode.getMethod('run', new org.codehaus.groovy.ast.Parameter[0])
        if (!(run?.code instanceof BlockStatement)) return
        List<Statement> statements = ((BlockStatement) run.code).statements
        for (int i = 0; i < statements.size(); i++) {
            Statement st = statements[i]
            if (!(st instanceof ExpressionStatement)) continue
            Expression e = ((ExpressionStatement) st).expression
            if (!(e instanceof DeclarationExpression)) continue
            DeclarationExpression d = (DeclarationExpression) e
            if (d.annotations) continue   // @Field and friends mean what they say
            Expression value = d.rightExpression instanceof EmptyExpression ? ConstantExpression.NULL : d.rightExpression
            Expression target = d.multipleAssignmentDeclaration
                    ? new TupleExpression(d.tupleExpression.expressions.collect { Expression v -> (Expression) new VariableExpression(((VariableExpression) v).name) })
                    : new VariableExpression(d.variableExpression.name)
            BinaryExpression assign = new BinaryExpression(target, Token.newSymbol(Types.ASSIGN, d.operation.startLine, d.operation.startColumn), value)
            assign.sourcePosition = d
            ExpressionStatement replaced = new ExpressionStatement(assign)
            replaced.sourcePosition = st
            statements[i] = replaced
        }
    }
}
